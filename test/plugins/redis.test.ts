import { test } from 'tap'
import { build, testContext } from '../helper.ts'
import { redisProxy } from '../support/redis-proxy.ts'
import { waitFor } from '../support/wait-for.ts'

test('Redis round trip through the plugin, under the file key prefix', async (t) => {
  const app = await build(t)
  await app.redis.set('greeting', 'hello', 'PX', 10_000)
  t.equal(await app.redis.get('greeting'), 'hello')
  t.equal(await app.redis.incrby('counter', 5), 5)
  t.equal(await app.redis.incrby('counter', 2), 7)
  t.ok((await app.redis.pttl('greeting')) > 0, 'the expiry is set')
})

test('Redis down at boot: the app starts degraded and a Redis call fails at once', async (t) => {
  const context = await testContext(t)
  const proxy = await redisProxy(context.env)
  t.teardown(() => proxy.close())
  proxy.cut()

  // Redis does not hold start-up: the boot waits CACHE_OP_TIMEOUT_MS for it at most.
  const app = await context.build({ env: { ...proxy.env, CACHE_OP_TIMEOUT_MS: '300' } })
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 200, 'still ready: Redis is optional')
  t.equal(ready.json().status, 'degraded')
  t.equal(ready.json().dependencies.redis.status, 'down')

  // Refused by the client (a cluster client that never reached a node waits for its attempt
  // in progress to fail), not queued until Redis returns: it settles while Redis is still away.
  let outcome: unknown
  app.redis.get('anything').then(() => { outcome = 'answered' }, (err: unknown) => { outcome = err })
  t.match(await waitFor('the command to settle', () => outcome), { message: /enableOfflineQueue options is false|None of startup nodes is available/ }, 'a command fails instead of waiting for Redis')

  proxy.restore()
  t.ok(await waitFor('the client to reconnect', () => app.redis.status === 'ready'), 'reconnects in the background once Redis is back')
  // Readiness answers from probes at most a second old.
  t.ok(await waitFor('readiness to see Redis', async () => (await app.inject({ method: 'GET', url: '/health/ready' })).json().status === 'ready'), 'ready again')
})
