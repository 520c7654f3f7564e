import { test } from 'tap'
import { build, testContext } from '../helper.ts'
import { proxyFor } from '../support/tcp-proxy.ts'
import { operatorHeaders } from '../support/operator.ts'
import { signup } from '../support/session.ts'
import { waitFor } from '../support/wait-for.ts'

test('readiness reports each dependency', async (t) => {
  const context = await testContext(t)
  const app = await context.build()
  const live = await app.inject({ method: 'GET', url: '/health/live' })
  t.same(live.json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.equal(ready.json().status, 'ready')
  for (const name of ['mongodb', 'postgres', 'redis']) t.equal(ready.json().dependencies[name].status, 'up', `${name} up`)
})

test('readiness probes at most about once a second however often it is asked, and shows details only to the operator', async (t) => {
  const app = await build(t)
  let pings = 0
  app.mongo.client.on('commandStarted', (event) => { if (event.commandName === 'ping') pings++ })
  const started = performance.now()
  const answers = []
  for (let i = 0; i < 50; i++) answers.push(await app.inject({ method: 'GET', url: '/health/ready' }))
  answers.push(...await Promise.all(Array.from({ length: 50 }, () => app.inject({ method: 'GET', url: '/health/ready' }))))
  const seconds = (performance.now() - started) / 1000
  t.ok(answers.every((answer) => answer.statusCode === 200), '100 readiness answers')
  // One round per second at most (plus the load-shedding check's own, every 2 s).
  t.ok(pings <= Math.ceil(seconds) + 2, `${pings} MongoDB pings for 100 readiness calls in ${seconds.toFixed(2)} s`)

  const anonymous = answers[0]!.json().dependencies
  t.same(anonymous.postgres, { status: 'up', required: false }, 'no latency, no error, no address for anyone (PostgreSQL is optional on an API instance)')
  t.notOk(JSON.stringify(anonymous).includes('127.0.0.1'))
  const operator = (await app.inject({ method: 'GET', url: '/health/ready', headers: operatorHeaders(app) })).json().dependencies
  t.type(operator.postgres.latencyMs, 'number', 'the operator sees the latency')
})

test('an unreachable dependency\'s error reaches the operator only', async (t) => {
  const context = await testContext(t)
  const proxy = await proxyFor(context.env.REDIS_URL!)
  t.teardown(() => proxy.close())
  const app = await context.build({ env: { REDIS_URL: proxy.url(context.env.REDIS_URL!) } })
  proxy.cut()
  // Readiness answers from probes at most a second old.
  const ready = await waitFor('readiness to turn degraded', async () => {
    const answer = (await app.inject({ method: 'GET', url: '/health/ready', headers: operatorHeaders(app) })).json()
    return answer.status === 'degraded' && answer
  })
  t.type(ready.dependencies.redis.error, 'string', 'the operator reads why')
  const anonymous = (await app.inject({ method: 'GET', url: '/health/ready' })).json()
  t.equal(anonymous.status, 'degraded')
  t.same(anonymous.dependencies.redis, { status: 'down', required: false }, 'anyone else: only that it is down')
})

test('readiness turns not-ready when MongoDB becomes unreachable, then requests are shed without reaching it', async (t) => {
  const context = await testContext(t)
  const proxy = await proxyFor(context.env.MONGODB_URL!)
  t.teardown(() => proxy.close())
  const app = await context.build({ env: { MONGODB_URL: proxy.url(context.env.MONGODB_URL!), HEALTH_CHECK_INTERVAL_MS: '500' } })
  const owner = await signup(app)
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)

  proxy.cut()
  // Readiness answers from the last round of probes (at most a second old), each bounded by
  // the server-selection limit: the driver's own default would wait 30 s.
  const started = performance.now()
  const ready = await waitFor('readiness to turn false', async () => {
    const answer = await app.inject({ method: 'GET', url: '/health/ready' })
    return answer.statusCode === 503 && answer
  })
  const elapsed = performance.now() - started
  t.equal(ready.json().dependencies.mongodb.status, 'down')
  t.ok(ready.headers['retry-after'], 'Retry-After is set')
  t.ok(elapsed < 15_000, `not ready after ${Math.round(elapsed)} ms: Haven's limits, not the driver's default`)

  // Once the periodic probe has failed twice running, ordinary routes are shed at once: a
  // request that reached MongoDB would answer DEPENDENCY_UNAVAILABLE instead.
  const shed = await waitFor('requests to be shed', async () => {
    const answer = await owner.get('/v1/properties')
    return answer.json().code === 'OVERLOADED' && answer
  })
  t.equal(shed.statusCode, 503, 'shed without waiting on MongoDB')

  proxy.restore()
  t.ok(await waitFor('readiness to turn true', async () => (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200), 'ready again once MongoDB is back')
})
