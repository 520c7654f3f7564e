// The session's tokens and their refresh. A refresh token is single use: a
// second refresh with it signs every session of that login out. So one refresh
// runs at a time: within this client object one promise is shared, and across
// tabs (or client objects) a Web Lock is held while the store is re-read; a
// tab that finds a newer pair there uses it instead of spending the old token.
import { HavenError, SessionRevokedError } from './errors.ts'
import type { TokenSource } from './transport.ts'
import { tokensFrom, type Tokens, type TokenStore } from './tokens.ts'

/** Runs a task while holding the named lock (navigator.locks.request, or your own). */
export type Lock = <T>(name: string, task: () => Promise<T>) => Promise<T>

/** Refresh this long before the access token's expiry, so a request in flight does not carry an expiring token. */
const EXPIRY_MARGIN_MS = 30_000

/** The Web Locks API where the platform has one (browsers, Node.js 24), else none: one client object is one session. */
export function platformLock (): Lock {
  const locks = (globalThis as { navigator?: { locks?: { request: <T>(name: string, task: () => Promise<T>) => Promise<T> } } }).navigator?.locks
  if (locks === undefined) return async (_name, task) => await task()
  return async (name, task) => await locks.request(name, task)
}

export interface SessionOptions {
  /** names the lock: one refresh at a time per API */
  baseUrl: string
  store: TokenStore
  lock: Lock
  /** POSTs the refresh token to /v1/auth/refresh (with the transport's retries) */
  exchange: (refreshToken: string) => Promise<Response>
  onRevoked?: ((error: SessionRevokedError) => void) | undefined
}

export interface Session extends TokenSource {
  /** stores a pair an auth route answered */
  start: (body: { accessToken: string, refreshToken: string, expiresIn: number }) => Promise<Tokens>
  end: () => Promise<void>
}

export function createSession ({ baseUrl, store, lock, exchange, onRevoked }: SessionOptions): Session {
  const lockName = `haven-refresh ${baseUrl}`
  let refreshing: Promise<Tokens> | null = null

  async function revoked (error: SessionRevokedError): Promise<never> {
    await store.set(null)
    onRevoked?.(error)
    throw error
  }

  /** Holding the lock: the stored pair if someone already replaced `stale`, else a new one. */
  async function renew (stale: string): Promise<Tokens> {
    const current = await store.get()
    if (current === null) return await revoked(SessionRevokedError.signedOut())
    if (current.accessToken !== stale) return current
    const response = await exchange(current.refreshToken)
    if (response.status === 401) {
      const failure = await HavenError.fromResponse(response)
      return await revoked(new SessionRevokedError(failure.status, failure.body))
    }
    if (!response.ok) throw await HavenError.fromResponse(response)
    const tokens = tokensFrom(await response.json() as { accessToken: string, refreshToken: string, expiresIn: number })
    await store.set(tokens)
    return tokens
  }

  function refresh (stale: string): Promise<Tokens> {
    refreshing ??= lock(lockName, () => renew(stale)).finally(() => { refreshing = null })
    return refreshing
  }

  return {
    async accessToken () {
      const tokens = await store.get()
      if (tokens === null) return await revoked(SessionRevokedError.signedOut())
      if (tokens.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return tokens.accessToken
      return (await refresh(tokens.accessToken)).accessToken
    },
    refresh,
    async start (body) {
      const tokens = tokensFrom(body)
      await store.set(tokens)
      return tokens
    },
    end: async () => { await store.set(null) }
  }
}
