// What the job event streams (GET /v1/jobs/:id/events) follow: however many
// streams of this process follow one job, each change of it is read from
// PostgreSQL once and the row handed to every one of them. Changes heard while
// a read is under way are covered by one more read after it, so a burst of
// announcements costs at most two reads, never one per stream per change.
import type { FastifyBaseLogger } from 'fastify'
import type { JobEvents } from './events.ts'
import type { JobRecord } from './records.ts'

export type JobWatcher = (job: JobRecord) => void

type ReadJob = (agencyId: string, id: string) => Promise<JobRecord | null>

interface Followed {
  watchers: Set<JobWatcher>
  unsubscribe: () => void
  reading: boolean
  /** a change was announced during the read under way */
  stale: boolean
}

export class JobFeed {
  readonly #events: JobEvents
  readonly #read: ReadJob
  readonly #log: FastifyBaseLogger
  readonly #followed = new Map<string, Followed>()

  constructor (events: JobEvents, read: ReadJob, log: FastifyBaseLogger) {
    this.#events = events
    this.#read = read
    this.#log = log
  }

  /** Calls the watcher with the job's row after each of its changes, until the returned function is called. */
  watch (agencyId: string, jobId: string, watcher: JobWatcher): () => void {
    // The agency is part of the key: a row read for one agency's stream never reaches another's.
    const key = `${agencyId}:${jobId}`
    let followed = this.#followed.get(key)
    if (followed === undefined) {
      const entry: Followed = { watchers: new Set(), unsubscribe: () => {}, reading: false, stale: false }
      entry.unsubscribe = this.#events.subscribe(jobId, () => { void this.#refresh(agencyId, jobId, entry) })
      this.#followed.set(key, followed = entry)
    }
    followed.watchers.add(watcher)
    const entry = followed
    return () => {
      entry.watchers.delete(watcher)
      if (entry.watchers.size > 0 || this.#followed.get(key) !== entry) return
      entry.unsubscribe()
      this.#followed.delete(key)
    }
  }

  async #refresh (agencyId: string, jobId: string, followed: Followed): Promise<void> {
    if (followed.reading) {
      followed.stale = true
      return
    }
    followed.reading = true
    try {
      do {
        followed.stale = false
        try {
          const job = await this.#read(agencyId, jobId)
          if (job !== null) for (const watcher of followed.watchers) watcher(job)
        } catch (err) {
          this.#log.warn({ err, jobId }, 'job events: could not read the job')
        }
      } while (followed.stale && followed.watchers.size > 0)
    } finally {
      followed.reading = false
    }
  }
}
