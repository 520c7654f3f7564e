import { test, type Test } from 'tap'
import type { FastifyRequest } from 'fastify'
import { build, testContext, type App } from '../helper.ts'
import { TEST_WINDOW_MS, clearOfWindowEnd } from '../support/rate-window.ts'
import { waitFor } from '../support/wait-for.ts'

const WINDOW = String(TEST_WINDOW_MS)

/** Two instances sharing one file's servers, limiting RATE_LIMIT_MAX per window, clear of its end. */
async function twoInstances (t: Test, max: string): Promise<[App, App]> {
  const context = await testContext(t)
  const env = { RATE_LIMIT_MAX: max, RATE_LIMIT_WINDOW_MS: WINDOW }
  await clearOfWindowEnd()
  return [await context.build({ env }), await context.build({ env })]
}

/**
 * What an instance's limiter counts for an address, without counting a request
 * (increment: false reads the store), once it reaches `expected`.
 */
async function knownCount (app: App, address: string, expected: number): Promise<number> {
  const peek = app.createRateLimit()
  const request = { ip: address, routeOptions: { config: {} } } as unknown as FastifyRequest
  let current = 0
  return await waitFor(`the limiter to count ${expected} for ${address}`, async () => {
    const limit = await peek(request, { increment: false })
    current = limit.isAllowed ? 0 : limit.max - limit.remaining
    return current >= expected && current
  }, { context: () => `counted ${current}` })
}

/**
 * What Redis holds for a counter of the write-behind store (plugins/external/rate-limit) in
 * this window: the requests every instance has flushed.
 */
async function flushed (app: App, key: string): Promise<number> {
  return Number(await app.redis.get(`rate-limit:${key}:${Math.floor(Date.now() / TEST_WINDOW_MS)}`))
}

test('over the limit a client gets 429 with the RateLimit headers', async (t) => {
  await clearOfWindowEnd()
  const app = await build(t, { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: WINDOW } })
  const get = () => app.inject({ method: 'GET', url: '/docs/json', remoteAddress: '10.1.2.3' })

  const first = await get()
  t.equal(first.statusCode, 200)
  t.equal(first.headers['ratelimit-limit'], '3')
  t.equal(first.headers['ratelimit-remaining'], '2')
  t.ok(Number(first.headers['ratelimit-reset']) > 0)
  await get()
  await get()

  const limited = await get()
  t.equal(limited.statusCode, 429)
  t.equal(limited.json().code, 'RATE_LIMITED')
  t.equal(limited.headers['ratelimit-remaining'], '0')
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After says when to come back')

  const other = await app.inject({ method: 'GET', url: '/docs/json', remoteAddress: '10.9.9.9' })
  t.equal(other.statusCode, 200, 'another client has its own budget')
  t.equal((await app.inject({ method: 'GET', url: '/health/live', remoteAddress: '10.1.2.3' })).statusCode, 200, 'liveness is never limited')
})

test('counters live in Redis, so two instances share one budget', async (t) => {
  const [a, b] = await twoInstances(t, '2')
  const from = { remoteAddress: '10.4.4.4' }
  t.equal((await a.inject({ method: 'GET', url: '/docs/json', ...from })).statusCode, 200)
  t.equal((await b.inject({ method: 'GET', url: '/docs/json', ...from })).statusCode, 200)
  t.equal((await a.inject({ method: 'GET', url: '/docs/json', ...from })).statusCode, 429)
})

test('large limits are counted write-behind: shared through Redis within a flush, no Redis wait per request', async (t) => {
  const [a, b] = await twoInstances(t, '150')
  const from = { remoteAddress: '10.5.5.5' }
  for (let i = 0; i < 100; i++) await a.inject({ method: 'GET', url: '/docs/json', ...from })
  t.ok(await waitFor('A\'s flush to reach Redis', async () => await flushed(a, 'ip:10.5.5.5') === 100), 'A\'s flush (every 100 ms) has reached Redis')
  // B learns the shared total when it flushes its own first request.
  t.equal((await b.inject({ method: 'GET', url: '/docs/json', ...from })).headers['ratelimit-remaining'], '149', 'answered at once from what B knows')
  t.equal(await knownCount(b, '10.5.5.5', 101), 101, 'B\'s flush brings back the shared total')
  t.equal((await b.inject({ method: 'GET', url: '/docs/json', ...from })).headers['ratelimit-remaining'], '48', 'then B counts A\'s 100 requests')
  for (let i = 0; i < 48; i++) await b.inject({ method: 'GET', url: '/docs/json', ...from })
  t.equal((await b.inject({ method: 'GET', url: '/docs/json', ...from })).statusCode, 429)
})

test('one flush carries many clients\' counts at once, wherever their keys live (on a Redis Cluster: every node)', async (t) => {
  const [a, b] = await twoInstances(t, '150')
  const addresses = Array.from({ length: 30 }, (_, i) => `10.8.0.${i + 1}`)
  for (const remoteAddress of addresses) for (let i = 0; i < 3; i++) await a.inject({ method: 'GET', url: '/docs/json', remoteAddress })
  await waitFor('A\'s flush to reach Redis', async () => (await Promise.all(addresses.map((address) => flushed(a, `ip:${address}`)))).every((n) => n === 3))
  for (const remoteAddress of addresses) await b.inject({ method: 'GET', url: '/docs/json', remoteAddress })
  const known = await Promise.all(addresses.map((address) => knownCount(b, address, 4)))
  t.same(known, addresses.map(() => 4), 'B learnt each client\'s total: A\'s three and its own one')
})

test('with Redis unreachable, write-behind limits still hold per instance', async (t) => {
  const { testContext } = await import('../helper.ts')
  const { redisProxy } = await import('../support/redis-proxy.ts')
  const context = await testContext(t)
  const proxy = await redisProxy(context.env)
  t.teardown(() => proxy.close())
  proxy.cut()
  await clearOfWindowEnd()
  const app = await context.build({ env: { RATE_LIMIT_MAX: '120', RATE_LIMIT_WINDOW_MS: WINDOW, ...proxy.env, CACHE_OP_TIMEOUT_MS: '200' } })
  const statuses = []
  for (let i = 0; i < 121; i++) statuses.push((await app.inject({ method: 'GET', url: '/docs/json', remoteAddress: '10.6.6.6' })).statusCode)
  t.equal(statuses.filter((s) => s === 200).length, 120)
  t.equal(statuses.at(-1), 429)
})

test('an agency has one budget for all its users: adding users adds no capacity, and other agencies keep theirs', async (t) => {
  const { testContext } = await import('../helper.ts')
  const { signup, staff } = await import('../support/session.ts')
  const context = await testContext(t)
  await clearOfWindowEnd()
  // 120: a large limit, counted write-behind like the per-user one; two instances share it.
  const env = { RATE_LIMIT_MAX: '1000', RATE_LIMIT_AGENCY_MAX: '120', RATE_LIMIT_WINDOW_MS: WINDOW }
  const a = await context.build({ env })
  const b = await context.build({ env })
  const owner = await signup(a, 'Busy Agency')
  const members = [owner, ...await Promise.all(['manager', 'viewer', 'viewer'].map((role) => staff(a, owner, role as 'viewer')))]
  const quiet = await signup(a, 'Quiet Agency')
  const statuses: number[] = []
  for (let i = 0; i < 100; i++) statuses.push((await members[i % members.length]!.get('/v1/agency')).statusCode)
  // The agency's counter (a store of its own: its keys start with "-").
  const agencyKey = `-agency:${owner.agencyId}`
  await waitFor('A\'s flush to reach Redis', async () => await flushed(a, agencyKey) === 100)
  const viaB = (token: string) => b.inject({ method: 'GET', url: '/v1/agency', headers: { authorization: `Bearer ${token}` } })
  statuses.push((await viaB(owner.accessToken)).statusCode)
  // Read on B's own connection, after its flush's reply: B has learnt the shared total.
  await waitFor('B\'s flush and its reply', async () => await flushed(b, agencyKey) === 101)
  for (let i = 0; i < 25; i++) statuses.push((await viaB(members[i % members.length]!.accessToken)).statusCode)
  t.equal(statuses.filter((s) => s === 200).length, 120, 'the agency\'s 120 requests per window, across its users and instances')
  const refused = await viaB(members[1]!.accessToken)
  t.equal(refused.statusCode, 429)
  t.equal(refused.json().code, 'AGENCY_RATE_LIMITED')
  t.equal(refused.headers['ratelimit-limit'], '120')
  t.ok(Number(refused.headers['retry-after']) > 0)
  t.equal((await quiet.get('/v1/agency')).statusCode, 200, 'another agency is not affected')
  const { scrape } = await import('../support/scrape.ts')
  t.match((await scrape(b)).body, /haven_rate_limited_requests_total\{route="\/v1\/agency"\} [1-9]/, 'counted in the metrics')
})
