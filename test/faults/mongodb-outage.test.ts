// MongoDB stopped (a private mongo-java-server on an H2 file, so its data survives the restart;
// never the shared one) and MongoDB made slow (a proxy adding latency): requests end fast with
// 503 + Retry-After and a clear code, readiness turns false, nothing hangs, it shows in the
// metrics, and Haven recovers by itself when the server is back.
import { test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { MongoClient } from 'mongodb'
import { applyIndexes } from '../../migrations/mongo/apply.ts'
import { indexes } from '../../migrations/mongo/indexes.ts'
import { testContext, type App } from '../helper.ts'
import { privateServer } from '../support/private-server.ts'
import { scrape } from '../support/scrape.ts'
import { createProperty } from '../support/portfolio.ts'
import { signup, type Caller } from '../support/session.ts'
import { proxyFor } from '../support/tcp-proxy.ts'

async function timed (caller: Caller, url: string) {
  const started = performance.now()
  const response = await caller.get(url)
  return { status: response.statusCode, ms: performance.now() - started, code: response.json<{ code?: string }>().code, retryAfter: response.headers['retry-after'] }
}

/** Asks until the API answers 200 again (or 30 s pass); the last answer. */
async function untilServed (caller: Caller, url: string) {
  const deadline = Date.now() + 30_000
  let answer = await timed(caller, url)
  while (answer.status !== 200 && Date.now() < deadline) {
    await sleep(250)
    answer = await timed(caller, url)
  }
  return answer
}

async function metric (app: App, name: string, labels: string): Promise<number> {
  const text = (await scrape(app)).body
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) && labels.split(',').every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

test('MongoDB stopped: 503 + Retry-After within 2 s, readiness false, full recovery without restarting Haven', async (t) => {
  const mongo = await privateServer(t, 'mongo', 'dev')
  const url = new URL(mongo.url)
  url.pathname = '/outage'
  const setup = new MongoClient(url.toString())
  await applyIndexes(setup.db(), indexes)
  await setup.close()
  const context = await testContext(t)
  const app = await context.build({ env: { MONGODB_URL: url.toString(), HEALTH_CHECK_INTERVAL_MS: '500' } })
  const owner = await signup(app)
  t.equal((await owner.get('/v1/properties')).statusCode, 200)

  await mongo.stop()
  const answers = await Promise.all(Array.from({ length: 5 }, () => timed(owner, '/v1/properties')))
  for (const answer of answers) {
    t.equal(answer.status, 503, 'a request answers 503')
    t.ok(answer.ms < 2_000, `within 2 s (${Math.round(answer.ms)} ms)`)
    t.ok(answer.retryAfter, 'with Retry-After')
    t.match(answer.code, /^(DEPENDENCY_UNAVAILABLE|OVERLOADED)$/, 'and a code that says why')
  }
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 503, 'readiness is false')
  t.equal(ready.json().dependencies.mongodb.status, 'down')

  await mongo.start()
  t.equal((await untilServed(owner, '/v1/properties')).status, 200, 'the API serves again once MongoDB is back')
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200, 'readiness is true again')
  t.ok(await createProperty(owner, 'After the outage'), 'writes work again')
})

test('MongoDB made slow: queries end at their time limit with a clear error, pool waits stay bounded, nothing hangs, the metrics show it', async (t) => {
  const context = await testContext(t)
  const proxy = await proxyFor(context.env.MONGODB_URL!)
  t.teardown(() => proxy.close())
  const app = await context.build({
    env: {
      MONGODB_URL: proxy.url(context.env.MONGODB_URL!),
      // The limit every query carries; the socket gives up at twice that (the driver's socketTimeoutMS).
      MONGODB_QUERY_TIMEOUT_MS: '400',
      MONGODB_MAX_POOL_SIZE: '2',
      MONGODB_WAIT_QUEUE_TIMEOUT_MS: '500',
      // The probes must not shed everything first: this test is about the requests themselves.
      HEALTH_PROBE_TIMEOUT_MS: '10000'
    }
  })
  const owner = await signup(app)
  t.equal((await owner.get('/v1/properties')).statusCode, 200)
  const errorsBefore = await metric(app, 'haven_mongodb_command_duration_seconds_count', 'outcome="error"')

  proxy.latency(3_000)
  const answers = await Promise.all(Array.from({ length: 6 }, () => timed(owner, '/v1/properties')))
  for (const answer of answers) {
    t.equal(answer.status, 503, `a slow query answers 503 (${answer.code})`)
    t.match(answer.code, /^DEPENDENCY_(TIMEOUT|UNAVAILABLE)$/, 'with a code that says the database was too slow')
    t.ok(answer.ms < 2_500, `well before the 3 s the server would take (${Math.round(answer.ms)} ms)`)
  }
  t.ok(await metric(app, 'haven_mongodb_command_duration_seconds_count', 'outcome="error"') > errorsBefore, 'failed commands are counted')
  t.ok(await metric(app, 'haven_mongodb_pool_checkout_failures_total', 'reason="timeout"') > 0, 'pool waits that gave up are counted')

  proxy.latency(0)
  t.equal((await untilServed(owner, '/v1/properties')).status, 200, 'fast again once the latency is gone')
})
