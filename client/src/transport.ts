// The fetch under every call, in layers: an Idempotency-Key on each POST, the
// bearer token (refreshed once and sent again on a 401), and retries of what
// the server did not do (429 and 503, after their Retry-After) or may not
// have received (a lost connection), each retry with the same key.
import { backoffMs, retryAfterMs, sleep } from './delays.ts'
import type { Tokens } from './tokens.ts'

export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>

export interface RetryPolicy {
  /** attempts in all, the first included */
  attempts: number
  /** the longest wait before a retry; a Retry-After beyond it is answered to the caller at once */
  maxDelayMs: number
  /** the first backoff step when the server gave no Retry-After */
  baseDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, maxDelayMs: 30_000, baseDelayMs: 250 }

/** What the transport needs of the session. */
export interface TokenSource {
  /** throws SessionRevokedError when there is no session */
  accessToken: () => Promise<string>
  /** a new pair after `stale` was refused (or the pair another tab made meanwhile) */
  refresh: (stale: string) => Promise<Tokens>
}

const RETRIED_STATUSES = new Set([429, 503])
// After a lost connection the request may have been done: only methods safe to
// repeat by definition go again, and POST, whose Idempotency-Key makes the server
// answer a repeat with the first result.
const REPEATABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

const repeatable = (request: Request) =>
  REPEATABLE_METHODS.has(request.method) || (request.method === 'POST' && request.headers.has('idempotency-key'))

/** A random key: crypto.getRandomValues works where randomUUID does not (pages served over plain http). */
export function idempotencyKey (): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** Sends a request, and again after 429/503 (Retry-After, bounded) or a lost connection. */
export function retrying (send: FetchLike, policy: RetryPolicy): (request: Request) => Promise<Response> {
  const backoff = (attempt: number) => backoffMs(attempt, policy.baseDelayMs, policy.maxDelayMs)
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= policy.attempts
      let response: Response
      try {
        response = await send(request.clone())
      } catch (err) {
        if (last || request.signal.aborted || !repeatable(request)) throw err
        await sleep(backoff(attempt), request.signal)
        continue
      }
      if (last || !RETRIED_STATUSES.has(response.status)) return response
      const delay = retryAfterMs(response) ?? backoff(attempt)
      if (delay > policy.maxDelayMs) return response
      await response.body?.cancel()
      await sleep(delay, request.signal)
    }
  }
}

export interface TransportOptions {
  baseUrl: string
  send: (request: Request) => Promise<Response>
  session: TokenSource
  /** paths (below baseUrl) answered without a token */
  isPublic: (path: string) => boolean
}

/** A fetch for Haven: keys POSTs, adds the bearer token to Haven's own protected routes, refreshes once on 401. */
export function transport ({ baseUrl, send, session, isPublic }: TransportOptions): FetchLike {
  const base = new URL(baseUrl)
  const basePath = base.pathname.replace(/\/$/, '')
  // The token goes to Haven only: never to another origin, even when a URL names one.
  const protectedPath = (url: URL) => url.origin === base.origin && url.pathname.startsWith(`${basePath}/`) && !isPublic(url.pathname.slice(basePath.length))
  const withBearer = (request: Request, token: string) => {
    const copy = request.clone()
    copy.headers.set('authorization', `Bearer ${token}`)
    return copy
  }

  return async (input, init) => {
    const request = new Request(input, init)
    if (request.method === 'POST' && !request.headers.has('idempotency-key')) request.headers.set('idempotency-key', idempotencyKey())
    if (!protectedPath(new URL(request.url))) return await send(request)
    const token = await session.accessToken()
    const response = await send(withBearer(request, token))
    if (response.status !== 401) return response
    await response.body?.cancel()
    const fresh = await session.refresh(token)
    return await send(withBearer(request, fresh.accessToken))
  }
}
