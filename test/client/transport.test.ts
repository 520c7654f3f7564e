// The client's failure paths that a healthy Haven rarely gives on demand: 503s
// with and without Retry-After, a lost connection, an abort during a wait. A
// scripted fetch answers in Haven's place (the real-server paths are in
// haven.test.ts). And the event-stream parser on awkwardly cut chunks.
import { test } from 'tap'
import { createHavenClient, memoryTokens, readEvents, type FetchLike, type ServerSentEvent } from '../../client/dist/index.js'

const BASE = 'http://haven.test'

function scripted (answers: Array<Response | Error>) {
  const seen: Array<{ request: Request, at: number }> = []
  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init)
    seen.push({ request, at: Date.now() })
    const next = answers.shift()
    if (next === undefined) throw new Error('the script has no more answers')
    if (next instanceof Error) throw next
    return next
  }
  return { fetch, seen }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
const overloaded = (headers: Record<string, string> = {}) => json(503, { statusCode: 503, code: 'OVERLOADED', error: 'Service Unavailable', message: 'busy' }, headers)
const signedIn = () => memoryTokens({ accessToken: 'access', refreshToken: 'refresh', expiresAt: Date.now() + 3_600_000 })
const lost = () => new TypeError('fetch failed')
const property = { name: 'A', kind: 'residential', address: { line1: '1 A St', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' } } as const

test('a 503 is sent again after its Retry-After (seconds or a date), a POST with the same key', async (t) => {
  const { fetch, seen } = scripted([overloaded({ 'retry-after': '1' }), overloaded({ 'retry-after': new Date(Date.now() + 1_000).toUTCString() }), json(201, { id: 'p1' })])
  const haven = createHavenClient({ baseUrl: BASE, fetch, tokens: signedIn() })
  const created = await haven.POST('/v1/properties', { body: property })
  t.equal(created.response.status, 201)
  t.equal(seen.length, 3, 'two retries')
  const keys = seen.map(({ request }) => request.headers.get('idempotency-key'))
  t.match(keys[0], /^[0-9a-f]{32}$/, 'a key was made')
  t.same(new Set(keys).size, 1, 'every attempt carried the same key')
  t.ok(seen[1]!.at - seen[0]!.at >= 980, `waited Retry-After: 1 (${seen[1]!.at - seen[0]!.at} ms)`)
  t.same(await Promise.all(seen.map(({ request }) => request.json())), [property, property, property], 'each attempt sent the whole body')
})

test('without Retry-After the backoff is bounded, and the last answer is the caller\'s', async (t) => {
  const { fetch, seen } = scripted([overloaded(), overloaded(), overloaded()])
  const haven = createHavenClient({ baseUrl: BASE, fetch, tokens: signedIn(), retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 40 } })
  const answer = await haven.GET('/v1/properties')
  t.equal(answer.response.status, 503, 'after three attempts, the 503 is answered')
  t.equal(answer.error?.code, 'OVERLOADED', 'with Haven\'s error body')
  t.equal(seen.length, 3)
  for (let i = 1; i < seen.length; i++) t.ok(seen[i]!.at - seen[i - 1]!.at < 1_000, 'each wait stayed near the bound, not a guessed second')
})

test('after a lost connection, GET and a keyed POST go again; PATCH does not', async (t) => {
  const retried = scripted([lost(), json(200, { items: [], nextCursor: null }), lost(), json(201, { id: 'p1' })])
  const haven = createHavenClient({ baseUrl: BASE, fetch: retried.fetch, tokens: signedIn(), retry: { baseDelayMs: 1 } })
  t.equal((await haven.GET('/v1/properties')).response.status, 200)
  t.equal((await haven.POST('/v1/properties', { body: property })).response.status, 201)
  t.equal(retried.seen.length, 4)
  t.equal(retried.seen[3]!.request.headers.get('idempotency-key'), retried.seen[2]!.request.headers.get('idempotency-key'), 'the POST went again with its key')

  const once = scripted([lost()])
  const patching = createHavenClient({ baseUrl: BASE, fetch: once.fetch, tokens: signedIn(), retry: { baseDelayMs: 1 } })
  await t.rejects(patching.PATCH('/v1/properties/{id}', { params: { path: { id: 'a'.repeat(24) } }, body: { name: 'B' } }), /fetch failed/, 'a PATCH may have been done: it is not repeated')
  t.equal(once.seen.length, 1)
})

test('an abort ends a wait for Retry-After at once', async (t) => {
  const { fetch, seen } = scripted([overloaded({ 'retry-after': '20' })])
  const haven = createHavenClient({ baseUrl: BASE, fetch, tokens: signedIn() })
  const stop = new AbortController()
  const started = Date.now()
  setTimeout(() => stop.abort(new Error('the user left the page')), 50)
  await t.rejects(haven.GET('/v1/properties', { signal: stop.signal }), /the user left the page/)
  t.ok(Date.now() - started < 15_000, 'not after the 20 s wait')
  t.equal(seen.length, 1)
})

test('the access token goes to Haven\'s protected routes only', async (t) => {
  const { fetch, seen } = scripted([json(200, {}), json(200, {}), json(200, {}), json(200, {})])
  const haven = createHavenClient({ baseUrl: `${BASE}/api`, fetch, tokens: signedIn() })
  await haven.fetch(`${BASE}/api/v1/dashboard`)
  await haven.fetch(`${BASE}/api/v1/auth/login`, { method: 'POST', body: '{}' })
  await haven.fetch('http://elsewhere.test/api/v1/dashboard')
  await haven.fetch(`${BASE}/v1/dashboard`)
  t.same(seen.map(({ request }) => request.headers.get('authorization')), ['Bearer access', null, null, null],
    'sent below the base URL, never to sign-in routes, another origin or outside the base path')
})

async function eventsOf (chunks: string[]): Promise<{ events: ServerSentEvent[], retryMs: number | undefined }> {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start (controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk))
      controller.close()
    }
  })
  const state = { lastEventId: '', retryMs: undefined as number | undefined }
  const events: ServerSentEvent[] = []
  for await (const event of readEvents(body, state)) events.push(event)
  return { events, retryMs: state.retryMs }
}

test('the event-stream parser reads events as EventSource does, however the chunks are cut', async (t) => {
  const stream = ': keep-alive\r\nretry: 1500\r\nid: 3\r\nevent: progress\r\ndata: {"a":\r\ndata: 1}\r\n\r\nid: 4\nevent: done\ndata: last\n\nevent: empty\n\ndata: no name\r\rdata: cut off at the end'
  const whole = await eventsOf([stream])
  t.same(whole.events, [
    { event: 'progress', data: '{"a":\n1}', lastEventId: '3' },
    { event: 'done', data: 'last', lastEventId: '4' },
    { event: 'message', data: 'no name', lastEventId: '4' }
  ], 'comments skipped, data lines joined, an event without data not dispatched, an unfinished one dropped')
  t.equal(whole.retryMs, 1500)
  const byteByByte = await eventsOf([...stream])
  t.same(byteByByte.events, whole.events, 'the same one character at a time (a CRLF split across chunks included)')
  t.same((await eventsOf(['data: last\r', '\r'])).events, [{ event: 'message', data: 'last', lastEventId: '' }], 'a CR ending the stream ends the line')
})
