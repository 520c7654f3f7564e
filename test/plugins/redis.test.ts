import { test } from 'tap'
import { build, testContext } from '../helper.ts'
import { redisProxy } from '../support/redis-proxy.ts'

test('Redis round trip through the plugin, under the file key prefix', async (t) => {
  const app = await build(t)
  await app.redis.set('greeting', 'hello', 'PX', 10_000)
  t.equal(await app.redis.get('greeting'), 'hello')
  t.equal(await app.redis.incrby('counter', 5), 5)
  t.equal(await app.redis.incrby('counter', 2), 7)
  t.ok((await app.redis.pttl('greeting')) > 0, 'the expiry is set')
})

test('Redis down at boot: the app starts degraded and a Redis call fails in milliseconds', async (t) => {
  const context = await testContext(t)
  const proxy = await redisProxy(context.env)
  t.teardown(() => proxy.close())
  proxy.cut()

  const started = performance.now()
  const app = await context.build({ env: { ...proxy.env, CACHE_OP_TIMEOUT_MS: '300' } })
  t.ok(performance.now() - started < 5_000, 'boot does not wait on Redis beyond its budget')

  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 200, 'still ready: Redis is optional')
  t.equal(ready.json().status, 'degraded')
  t.equal(ready.json().dependencies.redis.status, 'down')

  const callStarted = performance.now()
  await t.rejects(app.redis.get('anything'))
  t.ok(performance.now() - callStarted < 100, 'a command fails at once instead of queueing')

  proxy.restore()
  for (let i = 0; i < 50 && app.redis.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(app.redis.status, 'ready', 'reconnects in the background once Redis is back')
  // Readiness answers from probes at most a second old.
  let after = await app.inject({ method: 'GET', url: '/health/ready' })
  for (let i = 0; i < 30 && after.json().status !== 'ready'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    after = await app.inject({ method: 'GET', url: '/health/ready' })
  }
  t.equal(after.json().status, 'ready')
})
