import { test } from 'tap'
import { build, testContext } from '../helper.ts'
import { proxyFor } from '../support/tcp-proxy.ts'
import { operatorHeaders } from '../support/operator.ts'

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
  let ready = await app.inject({ method: 'GET', url: '/health/ready', headers: operatorHeaders(app) })
  for (let i = 0; i < 40 && ready.json().status !== 'degraded'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    ready = await app.inject({ method: 'GET', url: '/health/ready', headers: operatorHeaders(app) })
  }
  t.equal(ready.json().status, 'degraded')
  t.type(ready.json().dependencies.redis.error, 'string', 'the operator reads why')
  const anonymous = (await app.inject({ method: 'GET', url: '/health/ready' })).json()
  t.equal(anonymous.status, 'degraded')
  t.same(anonymous.dependencies.redis, { status: 'down', required: false }, 'anyone else: only that it is down')
})

test('readiness turns not-ready within 2 s when MongoDB becomes unreachable, and requests fail fast', async (t) => {
  const context = await testContext(t)
  const proxy = await proxyFor(context.env.MONGODB_URL!)
  t.teardown(() => proxy.close())
  const app = await context.build({ env: { MONGODB_URL: proxy.url(context.env.MONGODB_URL!), HEALTH_CHECK_INTERVAL_MS: '500' } })
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)

  proxy.cut()
  // Readiness answers from the last round of probes (at most a second old): poll it.
  const started = performance.now()
  let ready = await app.inject({ method: 'GET', url: '/health/ready' })
  while (ready.statusCode === 200 && performance.now() - started < 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    ready = await app.inject({ method: 'GET', url: '/health/ready' })
  }
  const elapsed = performance.now() - started
  t.equal(ready.statusCode, 503)
  t.equal(ready.json().dependencies.mongodb.status, 'down')
  t.ok(ready.headers['retry-after'], 'Retry-After is set')
  t.ok(elapsed < 2_500, `not ready within ${Math.round(elapsed)} ms (a second of shared probes, then a probe bounded at 1 s)`)

  // Once the periodic probe has failed twice running, ordinary routes are shed at once with 503.
  await new Promise((resolve) => setTimeout(resolve, 3_500)) // two failed probes (each up to 1 s, every 0.5 s)
  const shedStarted = performance.now()
  const shed = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(shed.statusCode, 503)
  t.ok(performance.now() - shedStarted < 100, 'shed without waiting on MongoDB')

  proxy.restore()
  let back = await app.inject({ method: 'GET', url: '/health/ready' })
  for (let i = 0; i < 40 && back.statusCode !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    back = await app.inject({ method: 'GET', url: '/health/ready' })
  }
  t.equal(back.statusCode, 200, 'ready again once MongoDB is back')
})
