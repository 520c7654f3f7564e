// Where the session's tokens live. Tabs that should share one session share a
// store (IndexedDB): after one tab refreshes, the others read the new pair
// instead of spending the old refresh token.

export interface Tokens {
  accessToken: string
  /** single use: each refresh answers a new one */
  refreshToken: string
  /** when the access token expires (epoch milliseconds) */
  expiresAt: number
}

export interface TokenStore {
  get: () => Tokens | null | Promise<Tokens | null>
  /** null: signed out */
  set: (tokens: Tokens | null) => void | Promise<void>
}

/** Tokens kept by this client object only (a script, a server, a test). */
export function memoryTokens (initial: Tokens | null = null): TokenStore {
  let tokens = initial
  return {
    get: () => tokens,
    set: (next) => { tokens = next }
  }
}

/**
 * Tokens in IndexedDB, shared by every tab of the origin. Not localStorage: Chromium
 * syncs it between tabs' processes after the fact, so a tab that takes the refresh
 * lock just after another tab released it can still read the old pair there and
 * spend its refresh token a second time (seen with two tabs in headless Chromium).
 * IndexedDB serves every tab the same committed data.
 */
export function indexedDbTokens (database = 'haven', key = 'tokens'): TokenStore {
  const STORE = 'session'
  let opened: Promise<IDBDatabase> | undefined
  const open = () => {
    opened ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(database, 1)
      request.onupgradeneeded = () => request.result.createObjectStore(STORE)
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    return opened
  }
  /** One transaction; resolves once it is committed, with its request's result. */
  const transaction = async (mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest): Promise<unknown> => {
    const db = await open()
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode)
      const request = work(tx.objectStore(STORE))
      tx.oncomplete = () => resolve(request.result)
      tx.onerror = () => reject(tx.error)
      tx.onabort = () => reject(tx.error)
    })
  }
  return {
    get: async () => (await transaction('readonly', (store) => store.get(key)) as Tokens | undefined) ?? null,
    set: async (tokens) => {
      await transaction('readwrite', (store) => tokens === null ? store.delete(key) : store.put(tokens, key))
    }
  }
}

/** The token pair an auth route answers, with its lifetime turned into an instant. */
export function tokensFrom (body: { accessToken: string, refreshToken: string, expiresIn: number }, now = Date.now()): Tokens {
  return { accessToken: body.accessToken, refreshToken: body.refreshToken, expiresAt: now + body.expiresIn * 1000 }
}
