// Disabling, demoting or a new password end a user's access tokens on every
// instance within seconds, without a database read per request; with Redis
// away the instances learn it from MongoDB, and one that can learn it from
// neither refuses to guess.
import { test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { testContext, type App } from '../helper.ts'
import { PASSWORD, signup, staff } from '../support/session.ts'
import { waitFor } from '../support/wait-for.ts'

const get = (app: App, token: string) => app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${token}` } })

/** Polls until the token is refused; the refusal's code. */
async function refused (app: App, token: string): Promise<string> {
  return await waitFor('the token to be refused', async () => {
    const response = await get(app, token)
    return response.statusCode !== 200 && response.json().code as string
  })
}

/**
 * How many instances are subscribed to the revocations channel: publishing a revocation of
 * nobody (a user id no one has, version 0) answers how many received it.
 */
async function subscribers (app: App): Promise<number> {
  const nobody = JSON.stringify({ userId: '0'.repeat(24), sessionVersion: 0 })
  return await app.redisPublish(`${app.config.REDIS_KEY_PREFIX}session-revocations`, nobody)
}

test('a revocation on one instance reaches the other at once', async (t) => {
  const context = await testContext(t)
  const a = await context.build()
  const b = await context.build()
  const owner = await signup(b)
  await waitFor('both instances subscribed to revocations', async () => await subscribers(b) === 2)

  await t.test('disabling: the token stops working on the other instance, with no database read per request', async (t) => {
    const manager = await staff(a, owner, 'manager')
    t.equal((await get(a, manager.accessToken)).statusCode, 200)
    const reads: string[] = []
    const listener = (event: { command: { comment?: unknown } }) => { if (typeof event.command.comment === 'string') reads.push(event.command.comment) }
    a.mongo.client.on('commandStarted', listener)
    t.equal((await a.inject({ method: 'GET', url: '/v1/agency', headers: { authorization: `Bearer ${manager.accessToken}` } })).statusCode, 200)
    a.mongo.client.off('commandStarted', listener)
    t.notOk(reads.some((comment) => comment.startsWith('repo:users.')), 'authenticating reads no user', { reads })

    // A still holds its catch-up from MongoDB (every 30 s), but it finds nothing: only the
    // message through Redis can tell A.
    const revokedSince = a.repos.users.globalRevokedSince
    a.repos.users.globalRevokedSince = async () => []
    t.teardown(() => { a.repos.users.globalRevokedSince = revokedSince })
    t.equal((await owner.delete(`/v1/users/${manager.userId}`)).statusCode, 200)
    t.equal(await refused(a, manager.accessToken), 'TOKEN_REVOKED', 'refused on the other instance, told through Redis')
    t.equal((await a.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: manager.refreshToken } })).statusCode, 401, 'and no refresh brings it back')
  })

  await t.test('demoting: the old role stops at once; a refresh carries the new one', async (t) => {
    const admin = await staff(a, owner, 'admin')
    await owner.patch(`/v1/users/${admin.userId}`, { role: 'viewer' })
    t.equal(await refused(a, admin.accessToken), 'TOKEN_REVOKED')
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
    t.equal(await refused(a, otherDevice.accessToken), 'TOKEN_REVOKED')
    t.equal((await get(a, viewer.accessToken)).json().code, 'TOKEN_REVOKED')
    t.equal((await get(a, changed.json().accessToken)).statusCode, 200)
    t.equal((await get(b, changed.json().accessToken)).statusCode, 200)
  })

  await t.test('a name change revokes nothing', async (t) => {
    const manager = await staff(a, owner, 'manager')
    const marker = await staff(a, owner, 'viewer')
    await owner.patch(`/v1/users/${manager.userId}`, { name: 'Renamed' })
    // Revocations reach A in the order they were made: once the marker's has, a revocation
    // by the name change would have too.
    await owner.delete(`/v1/users/${marker.userId}`)
    await refused(a, marker.accessToken)
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
  await waitFor('the instance to notice Redis is gone', () => cut.redis.status !== 'ready')
  await owner.delete(`/v1/users/${manager.userId}`)
  t.equal(await refused(cut, manager.accessToken), 'TOKEN_REVOKED', 'learnt from MongoDB')

  const another = await staff(b, owner, 'manager')
  t.equal((await cut.inject({ method: 'GET', url: '/v1/agency', headers: { authorization: `Bearer ${another.accessToken}` } })).statusCode, 200)
  mongoProxy.cut()
  const live = new Set<number>()
  const refusal = await waitFor('authenticated requests to be refused', async () => {
    live.add((await cut.inject({ method: 'GET', url: '/health/live' })).statusCode)
    const attempt = await get(cut, another.accessToken)
    return attempt.statusCode === 503 && attempt
  }, { intervalMs: 100 })
  t.same([...live], [200], 'liveness answers meanwhile')
  t.equal(refusal.json().code, 'DEPENDENCY_UNAVAILABLE', 'neither Redis nor MongoDB: authenticated requests answer 503')
  t.ok(Number(refusal.headers['retry-after']) > 0)

  mongoProxy.restore()
  redisProxy.restore()
  t.ok(await waitFor('requests to be served again', async () => (await get(cut, another.accessToken)).statusCode === 200, { intervalMs: 200 }), 'serves again once it can read revocations')
})

test('Redis going away does not fail requests while the instance catches up from MongoDB', async (t) => {
  const { redisProxy: proxyForRedis } = await import('../support/redis-proxy.ts')
  const context = await testContext(t)
  const redisProxy = await proxyForRedis(context.env)
  t.teardown(() => redisProxy.close())
  const app = await context.build({ env: { ...redisProxy.env, CACHE_OP_TIMEOUT_MS: '200', SESSION_REVOCATION_POLL_MS: '300' } })
  const owner = await signup(app)
  await waitFor('the instance subscribed to revocations', async () => await subscribers(app) === 1)
  // Subscribed, the instance re-reads only every 30 s: once 1.5 s have passed since it
  // subscribed (and re-read), that re-read is older than three polls.
  await sleep(1_500)
  redisProxy.cut()
  // Asked through the cut, its catch-up from MongoDB and three polls past it.
  const statuses = new Set<number>()
  let asked = 0
  for (const started = Date.now(); Date.now() - started < 2_000 || asked < 10; asked++, await sleep(50)) statuses.add((await get(app, owner.accessToken)).statusCode)
  t.same([...statuses], [200], `every one of ${asked} requests answered while Redis was away`)
})
