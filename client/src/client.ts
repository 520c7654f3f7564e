// createHavenClient: openapi-fetch's typed GET/POST/PATCH/PUT/DELETE over
// Haven's transport (tokens, retries, idempotency keys), plus sign-in, page
// iteration and the job helpers.
import createClient from 'openapi-fetch'
import type { Client } from 'openapi-fetch'
import { HavenError, ok, type SessionRevokedError } from './errors.ts'
import { jobHelpers } from './jobs.ts'
import { createSession, platformLock, type Lock } from './session.ts'
import { memoryTokens, type Tokens, type TokenStore } from './tokens.ts'
import { DEFAULT_RETRY, retrying, transport, type FetchLike, type RetryPolicy } from './transport.ts'
import type { paths } from './schema.ts'

export interface HavenClientOptions {
  /** where Haven answers, e.g. https://api.example.com (a path prefix is kept) */
  baseUrl: string
  /** where the tokens live; memory by default, indexedDbTokens() to share them between a browser's tabs */
  tokens?: TokenStore
  /** the fetch underneath (default: the platform's) */
  fetch?: FetchLike
  retry?: Partial<RetryPolicy>
  /** what serialises refreshes across tabs (default: the Web Locks API) */
  lock?: Lock
  /** the session ended (refresh refused, or signed out elsewhere): show the sign-in page */
  onSessionRevoked?: (error: SessionRevokedError) => void
}

type Get<P extends keyof paths> = paths[P] extends { get: infer Operation } ? Operation : never
type JsonOk<Operation> = Operation extends { responses: { 200: { content: { 'application/json': infer Body } } } } ? Body : never
interface Page { items: unknown[], nextCursor: string | null }

/** The paths whose GET answers a keyset page ({ items, nextCursor }). */
export type ListPath = { [P in keyof paths]: JsonOk<Get<P>> extends Page ? P : never }[keyof paths]
export type PageOf<P extends ListPath> = JsonOk<Get<P>>
export type ItemOf<P extends ListPath> = PageOf<P> extends { items: Array<infer Item> } ? Item : never
/** A list route's query without its cursor (the iteration carries it). */
export type ListQuery<P extends ListPath> = Omit<NonNullable<Get<P> extends { parameters: { query?: infer Query } } ? Query : never>, 'cursor'>

export interface ListOptions<P extends ListPath> {
  query?: ListQuery<P>
  signal?: AbortSignal
}

/** Haven's routes that take no access token: sign-in and its siblings, signed downloads; and anything outside /v1. */
const isPublic = (path: string) => !path.startsWith('/v1/') || path.startsWith('/v1/auth/') || path.startsWith('/v1/downloads/')

export function createHavenClient (options: HavenClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/$/, '')
  const platformFetch: FetchLike = (input, init) => globalThis.fetch(input, init)
  const store = options.tokens ?? memoryTokens()
  const send = retrying(options.fetch ?? platformFetch, { ...DEFAULT_RETRY, ...options.retry })
  const session = createSession({
    baseUrl,
    store,
    lock: options.lock ?? platformLock(),
    onRevoked: options.onSessionRevoked,
    exchange: (refreshToken) => authorised(`${baseUrl}/v1/auth/refresh`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken })
    })
  })
  const authorised = transport({ baseUrl, send, session, isPublic })
  const api: Client<paths> = createClient<paths>({ baseUrl, fetch: authorised })

  type SignupBody = NonNullable<paths['/v1/auth/signup']['post']['requestBody']>['content']['application/json']
  type LoginBody = NonNullable<paths['/v1/auth/login']['post']['requestBody']>['content']['application/json']

  async function * pages<P extends ListPath> (path: P, listOptions: ListOptions<P> = {}): AsyncGenerator<PageOf<P>> {
    // openapi-fetch's GET is typed per literal path; here the path is generic and the page shape is known.
    const get = api.GET as unknown as (path: string, init: object) => Promise<{ data: PageOf<P>, response: Response } | { error: unknown, response: Response }>
    let cursor: string | undefined
    do {
      const result = await get(path, { params: { query: { ...listOptions.query, cursor } }, signal: listOptions.signal })
      if (!('data' in result) || result.data === undefined) throw new HavenError(result.response.status, 'error' in result ? result.error : undefined)
      yield result.data
      cursor = (result.data as Page).nextCursor ?? undefined
    } while (cursor !== undefined)
  }

  async function * items<P extends ListPath> (path: P, listOptions: ListOptions<P> = {}): AsyncGenerator<ItemOf<P>> {
    for await (const page of pages(path, listOptions)) yield * (page as { items: Array<ItemOf<P>> }).items
  }

  return Object.assign(api, {
    /** Creates an agency and its owner, and signs in as the owner. */
    async signup (body: SignupBody) {
      const created = ok(await api.POST('/v1/auth/signup', { body }))
      await session.start(created)
      return created
    },
    /** Signs in (409 AGENCY_CHOICE_REQUIRED: the HavenError's body lists the agencies; log in again with agencyId). */
    async login (body: LoginBody): Promise<Tokens> {
      return await session.start(ok(await api.POST('/v1/auth/login', { body })))
    },
    /** Revokes the refresh token (and the tokens rotated from the same sign-in) and forgets the pair. */
    async logout (): Promise<void> {
      const tokens = await store.get()
      await session.end()
      if (tokens !== null) ok(await api.POST('/v1/auth/logout', { body: { refreshToken: tokens.refreshToken } }))
    },
    /** Each page of a list, following nextCursor. */
    pages,
    /** Each item of a list, page after page. */
    items,
    ...jobHelpers(baseUrl, authorised),
    /** fetch with the client's tokens, retries and idempotency keys, for what the typed methods do not cover */
    fetch: authorised
  })
}

export type HavenClient = ReturnType<typeof createHavenClient>
