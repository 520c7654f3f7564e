// Job changes heard from PostgreSQL (LISTEN haven_job_events; a trigger on the
// jobs table NOTIFYs every committed change). PostgreSQL rather than Redis
// pub/sub: the announcement commits with the change itself, so no listener ever
// hears of a state that was rolled back or misses one between the write and a
// publish, and the streams keep working while Redis (an accelerator here) is down.
// One connection per process, outside the pool; after a lost connection it
// reconnects and tells every listener to re-read, since it may have missed events.
import pg from 'pg'
import type { FastifyBaseLogger } from 'fastify'

export const CHANNEL = 'haven_job_events'

export interface JobAnnouncement { id: string, agencyId: string, version: number, status: string, cancelRequested: boolean }
/** null: the connection was lost and is back; re-read the job */
export type JobListener = (announcement: JobAnnouncement | null) => void

const RECONNECT_MAX_MS = 5_000

export class JobEvents {
  readonly #url: string
  readonly #log: FastifyBaseLogger
  readonly #listeners = new Map<string, Set<JobListener>>()
  #client: pg.Client | null = null
  #closed = false
  #retry: NodeJS.Timeout | undefined

  constructor (url: string, log: FastifyBaseLogger) {
    this.#url = url
    this.#log = log
  }

  async start (): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, keepAlive: true, application_name: 'haven-job-events' })
    client.on('error', (err) => this.#lost(client, err))
    client.on('end', () => this.#lost(client, null))
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || message.payload === undefined) return
      const announcement = JSON.parse(message.payload) as JobAnnouncement
      for (const listener of this.#listeners.get(announcement.id) ?? []) listener(announcement)
    })
    await client.connect()
    await client.query(`LISTEN ${CHANNEL}`)
    this.#client = client
  }

  #lost (client: pg.Client, err: Error | null): void {
    if (this.#closed || this.#client !== client) return
    this.#client = null
    client.end().catch(() => undefined)
    this.#log.warn({ err }, 'job events: connection lost; reconnecting')
    this.#reconnect(250)
  }

  #reconnect (delayMs: number): void {
    this.#retry = setTimeout(() => {
      this.start().then(() => {
        this.#log.info('job events: listening again')
        for (const listeners of this.#listeners.values()) for (const listener of listeners) listener(null)
      }, (err: unknown) => {
        this.#log.warn({ err }, 'job events: reconnect failed')
        this.#reconnect(Math.min(delayMs * 2, RECONNECT_MAX_MS))
      })
    }, delayMs)
    this.#retry.unref()
  }

  /** Calls the listener on every change of the job until the returned function is called. */
  subscribe (jobId: string, listener: JobListener): () => void {
    let listeners = this.#listeners.get(jobId)
    if (listeners === undefined) this.#listeners.set(jobId, listeners = new Set())
    listeners.add(listener)
    return () => {
      listeners.delete(listener)
      if (listeners.size === 0) this.#listeners.delete(jobId)
    }
  }

  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#retry)
    this.#listeners.clear()
    await this.#client?.end().catch(() => undefined)
    this.#client = null
  }
}
