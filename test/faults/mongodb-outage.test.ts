// MongoDB stopped (a private mongo-java-server on an H2 file, so its data survives the restart;
// never the shared one) and MongoDB made slow (a proxy adding latency): requests end fast with
// 503 + Retry-After and a clear code, readiness turns false, nothing hangs, it shows in the
// metrics, and Haven recovers by itself when the server is back.
import { test } from 'tap'
import { MongoClient } from 'mongodb'
import { applyIndexes } from '../../migrations/mongo/apply.ts'
import { indexes } from '../../migrations/mongo/indexes.ts'
import { testContext, type App } from '../helper.ts'
import { privateServer } from '../support/private-server.ts'
import { scrape } from '../support/scrape.ts'
import { createProperty } from '../support/portfolio.ts'
import { signup, type Caller } from '../support/session.ts'
import { proxyFor } from '../support/tcp-proxy.ts'
import { waitFor } from '../support/wait-for.ts'

// What a request would take if it waited on MongoDB instead of giving up at Haven's limits
// (server selection 1.5 s, a query's socket twice its time limit): the driver's own default
// server selection, and the latency the slow server is given. Far above anything a request
// takes on a busy machine, so the bound below fails only on a request that waited.
const HANG_MS = 30_000

async function timed (caller: Caller, url: string) {
  const started = performance.now()
  const response = await caller.get(url)
  return { status: response.statusCode, ms: performance.now() - started, code: response.json<{ code?: string }>().code, retryAfter: response.headers['retry-after'] }
}

/** Asks until the API answers 200 again. */
async function untilServed (caller: Caller, url: string): Promise<boolean> {
  return await waitFor(`${url} served again`, async () => (await timed(caller, url)).status === 200, { intervalMs: 250 })
}

async function metric (app: App, name: string, labels: string): Promise<number> {
  const text = (await scrape(app)).body
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) && labels.split(',').every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

test('MongoDB stopped: 503 + Retry-After at the server-selection limit, readiness false, full recovery without restarting Haven', async (t) => {
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
    t.ok(answer.ms < HANG_MS / 2, `at Haven's server-selection limit, not the driver's default (${Math.round(answer.ms)} ms)`)
    t.ok(answer.retryAfter, 'with Retry-After')
    t.match(answer.code, /^(DEPENDENCY_UNAVAILABLE|OVERLOADED)$/, 'and a code that says why')
  }
  // Readiness answers from probes at most a second old.
  const ready = await waitFor('readiness to turn false', async () => {
    const answer = await app.inject({ method: 'GET', url: '/health/ready' })
    return answer.statusCode === 503 && answer
  })
  t.equal(ready.json().dependencies.mongodb.status, 'down', 'readiness is false: MongoDB down')

  await mongo.start()
  t.ok(await untilServed(owner, '/v1/properties'), 'the API serves again once MongoDB is back')
  t.ok(await waitFor('readiness to turn true', async () => (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200), 'readiness is true again')
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
      MONGODB_WAIT_QUEUE_TIMEOUT_MS: '500'
    }
  })
  const owner = await signup(app)
  t.equal((await owner.get('/v1/properties')).statusCode, 200)
  const errorsBefore = await metric(app, 'haven_mongodb_command_duration_seconds_count', 'outcome="error"')

  proxy.latency(HANG_MS)
  const answers = await Promise.all(Array.from({ length: 6 }, () => timed(owner, '/v1/properties')))
  for (const answer of answers) {
    t.equal(answer.status, 503, `a slow query answers 503 (${answer.code})`)
    t.match(answer.code, /^DEPENDENCY_(TIMEOUT|UNAVAILABLE)$/, 'with a code that says the database was too slow')
    t.ok(answer.ms < HANG_MS / 2, `long before the ${HANG_MS / 1000} s the server would take (${Math.round(answer.ms)} ms)`)
  }
  t.ok(await metric(app, 'haven_mongodb_command_duration_seconds_count', 'outcome="error"') > errorsBefore, 'failed commands are counted')
  t.ok(await metric(app, 'haven_mongodb_pool_checkout_failures_total', 'reason="timeout"') > 0, 'pool waits that gave up are counted')

  proxy.latency(0)
  t.ok(await untilServed(owner, '/v1/properties'), 'fast again once the latency is gone')
})
