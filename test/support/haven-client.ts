// For the tests of client/ (the typed client, built to client/dist by npm test):
// a Haven app listening on a real port, and a fetch that records what the client
// sent and what came back, attempt by attempt.
import type { AddressInfo } from 'node:net'
import type { FetchLike } from '../../client/dist/index.js'
import type { App } from '../helper.ts'

export async function listening (app: App): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

export interface Attempt {
  method: string
  /** path and query */
  path: string
  idempotencyKey: string | null
  ifNoneMatch: string | null
  lastEventId: string | null
  authorization: string | null
  /** the status, or 'lost' when no answer came */
  status: number | 'lost'
  replayed: boolean
  retryAfter: string | null
  startedAt: number
}

/** The platform fetch, with every attempt logged; `hold` may delay a request before it is sent. */
export function recordingFetch (log: Attempt[], hold: (request: Request) => Promise<void> = async () => {}): FetchLike {
  return async (input, init) => {
    const request = new Request(input, init)
    await hold(request)
    const url = new URL(request.url)
    const attempt: Attempt = {
      method: request.method,
      path: url.pathname + url.search,
      idempotencyKey: request.headers.get('idempotency-key'),
      ifNoneMatch: request.headers.get('if-none-match'),
      lastEventId: request.headers.get('last-event-id'),
      authorization: request.headers.get('authorization'),
      status: 'lost',
      replayed: false,
      retryAfter: null,
      startedAt: Date.now()
    }
    log.push(attempt)
    const response = await fetch(request)
    attempt.status = response.status
    attempt.replayed = response.headers.get('idempotent-replayed') === 'true'
    attempt.retryAfter = response.headers.get('retry-after')
    return response
  }
}
