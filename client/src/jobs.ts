// Background jobs (exports, imports): wait for one by polling its status (with
// its ETag: an unchanged job costs a 304; and its Retry-After), or follow its
// event stream; then download its file.
import { HavenError } from './errors.ts'
import { retryAfterMs, sleep } from './delays.ts'
import { readEvents, type SseState } from './sse.ts'
import type { FetchLike } from './transport.ts'
import type { paths } from './schema.ts'

export type Job = paths['/v1/jobs/{id}']['get']['responses'][200]['content']['application/json']

export const FINISHED_STATUSES: ReadonlyArray<Job['status']> = ['succeeded', 'failed', 'cancelled', 'expired']
export const isFinished = (job: Job) => FINISHED_STATUSES.includes(job.status)

export interface WaitOptions {
  signal?: AbortSignal
  /** called with each new state of the job */
  onProgress?: (job: Job) => void
  /** the wait between polls when the server names none */
  intervalMs?: number
  /** never wait longer than this between polls, whatever Retry-After says */
  maxIntervalMs?: number
}

export interface FollowOptions {
  signal?: AbortSignal
  /** the id of the last event already seen: only newer states are sent */
  lastEventId?: string
  /** reconnections in a row without an event before giving up */
  maxReconnects?: number
}

export interface JobFile {
  fileName: string
  contentType: string
  /** the unread response: .blob(), .arrayBuffer(), or .body to stream it */
  response: Response
}

/** The job helpers over an authenticated fetch. */
export function jobHelpers (baseUrl: string, send: FetchLike) {
  const jobUrl = (id: string, tail = '') => `${baseUrl}/v1/jobs/${encodeURIComponent(id)}${tail}`

  async function waitForJob (id: string, options: WaitOptions = {}): Promise<Job> {
    const { signal, onProgress, intervalMs = 1_000, maxIntervalMs = 10_000 } = options
    let job: Job | undefined
    let etag: string | null = null
    for (;;) {
      const response = await send(jobUrl(id), { headers: etag === null ? {} : { 'if-none-match': etag }, signal: signal ?? null })
      if (response.status === 200) {
        job = await response.json() as Job
        etag = response.headers.get('etag')
        onProgress?.(job)
      } else if (response.status !== 304 || job === undefined) {
        throw await HavenError.fromResponse(response)
      }
      if (isFinished(job)) return job
      await sleep(Math.min(maxIntervalMs, retryAfterMs(response) ?? intervalMs), signal)
    }
  }

  /** Each new state of the job from its event stream, until it finishes; reconnects with Last-Event-ID. */
  async function * followJob (id: string, options: FollowOptions = {}): AsyncGenerator<Job> {
    const { signal, maxReconnects = 5 } = options
    const state: SseState = { lastEventId: options.lastEventId ?? '', retryMs: undefined }
    for (let quiet = 0; ; quiet++) {
      const headers: Record<string, string> = { accept: 'text/event-stream' }
      if (state.lastEventId !== '') headers['last-event-id'] = state.lastEventId
      try {
        const response = await send(jobUrl(id, '/events'), { headers, signal: signal ?? null })
        if (!response.ok || response.body === null) throw await HavenError.fromResponse(response)
        for await (const event of readEvents(response.body, state)) {
          if (event.event !== 'progress' && event.event !== 'done') continue
          quiet = 0
          const job = JSON.parse(event.data) as Job
          yield job
          if (event.event === 'done' || isFinished(job)) return
        }
      } catch (err) {
        // An answer from Haven (404, 401 after a refresh) will not change by asking again.
        if (err instanceof HavenError || signal?.aborted === true || quiet >= maxReconnects) throw err
      }
      if (quiet >= maxReconnects) throw new Error(`the event stream of job ${id} closed ${quiet + 1} times in a row without an event`)
      await sleep(state.retryMs ?? 1_000, signal)
    }
  }

  /** The job's file (an export, or an import's rejected rows). */
  async function download (job: Job | string, signal?: AbortSignal): Promise<JobFile> {
    const id = typeof job === 'string' ? job : job.id
    const response = await send(jobUrl(id, '/download'), { signal: signal ?? null })
    if (!response.ok) throw await HavenError.fromResponse(response)
    // Cross-origin, Content-Disposition is readable only when CORS exposes it: the job names the file too.
    const named = /filename="?([^";]+)"?/i.exec(response.headers.get('content-disposition') ?? '')?.[1]
    const fileName = named ?? (typeof job === 'string' ? id : job.download?.fileName ?? id)
    return { fileName, contentType: response.headers.get('content-type') ?? 'application/octet-stream', response }
  }

  return { waitForJob, followJob, download }
}
