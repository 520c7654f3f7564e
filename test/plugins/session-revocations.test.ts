// Disabling, demoting or a new password end a user's access tokens on every
// instance within seconds, without a database read per request; with Redis
// away the instances learn it from MongoDB, and one that can learn it from
// neither refuses to guess.
import { test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { testContext, type App } from '../helper.ts'
import { PASSWORD, signup, staff } from '../support/session.ts'

const get = (app: App, token: string) => app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${token}` } })

/** Polls until the token is refused (or the deadline passes); the time it took. */
async function refusedWithin (app: App, token: string, deadlineMs = 15_000): Promise<{ code: string | null, ms: number }> {
  const started = Date.now()
  while (Date.now() - started < deadlineMs) {
    const response = await get(app, token)
    if (response.statusCode !== 200) return { code: response.json().code, ms: Date.now() - started }
    await sleep(20)
  }
  return { code: null, ms: Date.now() - started }
}

test('a revocation on one instance reaches the other at once', async (t) => {
  const context = await testContext(t)
  const a = await context.build()
  const b = await context.build()
  const owner = await signup(b)

  await t.test('disabling: the token stops working on the other instance, with no database read per request', async (t) => {
    const manager = await staff(a, owner, 'manager')
    t.equal((await get(a, manager.accessToken)).statusCode, 200)
    const reads: string[] = []
    const listener = (event: { command: { comment?: unknown } }) => { if (typeof event.command.comment === 'string') reads.push(event.command.comment) }
    a.mongo.client.on('commandStarted', listener)
    t.equal((await a.inject({ method: 'GET', url: '/v1/agency', headers: { authorization: `Bearer ${manager.accessToken}` } })).statusCode, 200)
    a.mongo.client.off('commandStarted', listener)
    t.notOk(reads.some((comment) => comment.startsWith('repo:users.')), 'authenticating reads no user', { reads })

    t.equal((await owner.delete(`/v1/users/${manager.userId}`)).statusCode, 200)
    const outcome = await refusedWithin(a, manager.accessToken)
    t.equal(outcome.code, 'TOKEN_REVOKED', `refused on the other instance after ${outcome.ms} ms`)
    t.ok(outcome.ms < 5_000, 'within seconds')
    t.equal((await a.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: manager.refreshToken } })).statusCode, 401, 'and no refresh brings it back')
  })

  await t.test('demoting: the old role stops at once; a refresh carries the new one', async (t) => {
    const admin = await staff(a, owner, 'admin')
    await owner.patch(`/v1/users/${admin.userId}`, { role: 'viewer' })
    t.equal((await refusedWithin(a, admin.accessToken)).code, 'TOKEN_REVOKED')
    const renewed = await a.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: admin.refreshToken } })
    t.equal(renewed.statusCode, 200)
    const write = await a.inject({ method: 'PATCH', url: '/v1/agency', headers: { authorization: `Bearer ${renewed.json().accessToken}` }, payload: { name: 'Taken over' } })
    t.equal(write.statusCode, 403, 'the new token has the viewer role')
  })

  await t.test('a password change: every earlier token ends on every instance; the new pair works on both', async (t) => {
    const viewer = await staff(a, owner, 'viewer')
    const otherDevice = (await a.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: viewer.email, password: PASSWORD } })).json()
    const changed = await b.inject({ method: 'POST', url: '/v1/users/me/password', headers: { authorization: `Bearer ${viewer.accessToken}` }, payload: { currentPassword: PASSWORD, newPassword: 'a brand new secret' } })
    t.equal(changed.statusCode, 200)
    t.equal((await refusedWithin(a, otherDevice.accessToken)).code, 'TOKEN_REVOKED')
    t.equal((await get(a, viewer.accessToken)).json().code, 'TOKEN_REVOKED')
    t.equal((await get(a, changed.json().accessToken)).statusCode, 200)
    t.equal((await get(b, changed.json().accessToken)).statusCode, 200)
  })

  await t.test('a name change revokes nothing', async (t) => {
    const manager = await staff(a, owner, 'manager')
    await owner.patch(`/v1/users/${manager.userId}`, { name: 'Renamed' })
    await sleep(300)
    t.equal((await get(a, manager.accessToken)).statusCode, 200)
  })

  await t.test('an instance started after a revocation knows it', async (t) => {
    const manager = await staff(a, owner, 'manager')
    await owner.delete(`/v1/users/${manager.userId}`)
    const late = await context.build()
    t.equal((await get(late, manager.accessToken)).json().code, 'TOKEN_REVOKED')
  })
})

test('with Redis down, revocations arrive from MongoDB within SESSION_REVOCATION_POLL_MS; with MongoDB down too, tokens are not trusted', async (t) => {
  const { proxyFor } = await import('../support/tcp-proxy.ts')
  const { redisProxy: proxyForRedis } = await import('../support/redis-proxy.ts')
  const context = await testContext(t)
  const redisProxy = await proxyForRedis(context.env)
  const mongoProxy = await proxyFor(context.env.MONGODB_URL!)
  t.teardown(async () => { await redisProxy.close(); await mongoProxy.close() })
  const b = await context.build()
  const cut = await context.build({
    env: {
      ...redisProxy.env,
      MONGODB_URL: mongoProxy.url(context.env.MONGODB_URL!),
      CACHE_OP_TIMEOUT_MS: '200',
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '500',
      SESSION_REVOCATION_POLL_MS: '300'
    }
  })
  const owner = await signup(b)
  const manager = await staff(b, owner, 'manager')
  t.equal((await get(cut, manager.accessToken)).statusCode, 200)

  redisProxy.cut()
  await sleep(200)
  await owner.delete(`/v1/users/${manager.userId}`)
  const outcome = await refusedWithin(cut, manager.accessToken)
  t.equal(outcome.code, 'TOKEN_REVOKED', `learnt from MongoDB after ${outcome.ms} ms`)

  const another = await staff(b, owner, 'manager')
  t.equal((await cut.inject({ method: 'GET', url: '/v1/agency', headers: { authorization: `Bearer ${another.accessToken}` } })).statusCode, 200)
  mongoProxy.cut()
  let refusal = null
  for (const started = Date.now(); refusal === null && Date.now() - started < 15_000; await sleep(100)) {
    const response = await cut.inject({ method: 'GET', url: '/health/live' })
    t.equal(response.statusCode, 200)
    const attempt = await get(cut, another.accessToken)
    if (attempt.statusCode === 503) refusal = attempt
  }
  t.equal(refusal?.json().code, 'DEPENDENCY_UNAVAILABLE', 'neither Redis nor MongoDB: authenticated requests answer 503')
  t.ok(Number(refusal?.headers['retry-after']) > 0)

  mongoProxy.restore()
  redisProxy.restore()
  let back = 0
  for (const started = Date.now(); back !== 200 && Date.now() - started < 20_000; await sleep(200)) back = (await get(cut, another.accessToken)).statusCode
  t.equal(back, 200, 'serves again once it can read revocations')
})

test('Redis going away does not fail requests while the instance catches up from MongoDB', async (t) => {
  const { redisProxy: proxyForRedis } = await import('../support/redis-proxy.ts')
  const context = await testContext(t)
  const redisProxy = await proxyForRedis(context.env)
  t.teardown(() => redisProxy.close())
  const app = await context.build({ env: { ...redisProxy.env, CACHE_OP_TIMEOUT_MS: '200', SESSION_REVOCATION_POLL_MS: '300' } })
  const owner = await signup(app)
  // Subscribed, the instance re-reads only every 30 s: its last re-read is now older than three polls.
  await sleep(1_500)
  redisProxy.cut()
  const statuses = new Set<number>()
  for (const started = Date.now(); Date.now() - started < 2_000; await sleep(50)) statuses.add((await get(app, owner.accessToken)).statusCode)
  t.same([...statuses], [200], 'every request answered while Redis was away')
})
