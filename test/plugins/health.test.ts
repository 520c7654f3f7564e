import { test } from 'tap'
import { testContext } from '../helper.ts'
import { proxyFor } from '../support/tcp-proxy.ts'

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

test('readiness turns not-ready within 2 s when MongoDB becomes unreachable, and requests fail fast', async (t) => {
  const context = await testContext(t)
  const proxy = await proxyFor(context.env.MONGODB_URL!)
  t.teardown(() => proxy.close())
  const app = await context.build({ env: { MONGODB_URL: proxy.url(context.env.MONGODB_URL!), HEALTH_CHECK_INTERVAL_MS: '500' } })
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)

  proxy.cut()
  const started = performance.now()
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  const elapsed = performance.now() - started
  t.equal(ready.statusCode, 503)
  t.equal(ready.json().dependencies.mongodb.status, 'down')
  t.ok(ready.headers['retry-after'], 'Retry-After is set')
  t.ok(elapsed < 2_000, `answered in ${Math.round(elapsed)} ms`)

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
