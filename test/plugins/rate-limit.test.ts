import { test } from 'tap'
import { build } from '../helper.ts'

test('over the limit a client gets 429 with the RateLimit headers', async (t) => {
  const app = await build(t, { env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' } })
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
  const { testContext } = await import('../helper.ts')
  const context = await testContext(t)
  const env = { RATE_LIMIT_MAX: '2' }
  const a = await context.build({ env })
  const b = await context.build({ env })
  const from = { remoteAddress: '10.4.4.4' }
  t.equal((await a.inject({ method: 'GET', url: '/docs/json', ...from })).statusCode, 200)
  t.equal((await b.inject({ method: 'GET', url: '/docs/json', ...from })).statusCode, 200)
  t.equal((await a.inject({ method: 'GET', url: '/docs/json', ...from })).statusCode, 429)
})
