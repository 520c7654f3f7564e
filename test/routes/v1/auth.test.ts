import { test } from 'tap'
import { build, testContext, type App } from '../../helper.ts'
import { PASSWORD, signup, staff, uniqueEmail } from '../../support/session.ts'
import { TEST_WINDOW_MS, clearOfWindowEnd } from '../../support/rate-window.ts'
import { waitFor } from '../../support/wait-for.ts'

test('auth flow', async (t) => {
  await clearOfWindowEnd()
  const app = await build(t, { env: { LOGIN_WINDOW_MS: String(TEST_WINDOW_MS) } })

  await t.test('signup creates an agency and its owner, and answers with tokens', async (t) => {
    const email = uniqueEmail('Mixed.Case')
    const response = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { agencyName: 'Harbour Homes', name: 'Hana', email, password: PASSWORD, currency: 'EUR' } })
    t.equal(response.statusCode, 201)
    const body = response.json()
    t.equal(body.user.email, email.toLowerCase())
    t.equal(body.user.role, 'owner')
    t.equal(body.agency.name, 'Harbour Homes')
    t.equal(body.agency.currency, 'EUR')
    t.equal(body.tokenType, 'Bearer')
    t.notOk('passwordHash' in body.user, 'no hash leaves the server')
    const me = await app.inject({ method: 'GET', url: '/v1/agency', headers: { authorization: `Bearer ${body.accessToken}` } })
    t.equal(me.json().id, body.agency.id)

    // An email with an account elsewhere neither blocks a sign-up nor is told about.
    const again = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { agencyName: 'Second Agency', name: 'Hana', email: email.toUpperCase(), password: 'another long passphrase' } })
    t.equal(again.statusCode, 201)
    t.not(again.json().agency.id, body.agency.id, 'a second agency with its own owner account')
    t.equal(again.json().user.email, email.toLowerCase())
  })

  await t.test('login answers tokens; wrong password and unknown email answer the same 401', async (t) => {
    const owner = await signup(app)
    const ok = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: PASSWORD } })
    t.equal(ok.statusCode, 200)
    t.ok(ok.json().accessToken)
    t.ok(ok.json().refreshToken)
    const wrong = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: 'not the password' } })
    const unknown = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: uniqueEmail(), password: 'whatever it is' } })
    t.equal(wrong.statusCode, 401)
    t.same([wrong.json().code, wrong.json().message], [unknown.json().code, unknown.json().message])
  })

  await t.test('refresh rotates; reusing a spent token signs the whole session family out', async (t) => {
    const owner = await signup(app)
    const first = await app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: owner.refreshToken } })
    t.equal(first.statusCode, 200)
    const rotated = first.json().refreshToken
    t.not(rotated, owner.refreshToken)

    const replay = await app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: owner.refreshToken } })
    t.equal(replay.statusCode, 401)
    t.equal(replay.json().code, 'REFRESH_TOKEN_REUSED')
    const afterTheft = await app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: rotated } })
    t.equal(afterTheft.statusCode, 401, 'the rotated token died with its family')
  })

  await t.test('logout revokes the refresh token', async (t) => {
    const owner = await signup(app)
    const out = await app.inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken: owner.refreshToken } })
    t.equal(out.statusCode, 204)
    const refresh = await app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: owner.refreshToken } })
    t.equal(refresh.statusCode, 401)
    const forged = await app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: `${owner.refreshToken.split('.')[0]}.forged-secret-forged-secret` } })
    t.equal(forged.json().code, 'INVALID_REFRESH_TOKEN')
  })

  await t.test('protected routes need a valid, unexpired token', async (t) => {
    const none = await app.inject({ method: 'GET', url: '/v1/agency' })
    t.equal(none.statusCode, 401)
    t.equal(none.json().code, 'UNAUTHORIZED')
    const owner = await signup(app)
    const [header, payload] = owner.accessToken.split('.')
    const forged = await app.inject({ method: 'GET', url: '/v1/agency', headers: { authorization: `Bearer ${header}.${payload}.c2lnbmF0dXJl` } })
    t.equal(forged.statusCode, 401)
    const expired = app.jwt.sign({ sub: owner.userId, agency: owner.agencyId, role: 'owner' }, { expiresIn: -1000 })
    const late = await app.inject({ method: 'GET', url: '/v1/agency', headers: { authorization: `Bearer ${expired}` } })
    t.equal(late.statusCode, 401)
    t.equal(late.json().code, 'TOKEN_EXPIRED')
    const signedElsewhere = app.jwt.sign({ sub: owner.userId, agency: owner.agencyId, role: 'owner' }, { key: 'another-secret-another-secret-another' })
    const foreign = await app.inject({ method: 'GET', url: '/v1/agency', headers: { authorization: `Bearer ${signedElsewhere}` } })
    t.equal(foreign.statusCode, 401, 'a token signed with another key is refused')
  })
})

const WINDOW = String(TEST_WINDOW_MS)
// Seconds, so a request a busy machine holds up for a while still sees the delay it is about.
const DELAY_BASE_MS = 2_000
const login = (app: App, email: string, password: string, remoteAddress: string, extra: Record<string, unknown> = {}) =>
  app.inject({ method: 'POST', url: '/v1/auth/login', remoteAddress, payload: { email, password, ...extra } })

test('sign-in limits', async (t) => {
  await clearOfWindowEnd()
  const context = await testContext(t)
  const limits = { LOGIN_WINDOW_MS: WINDOW, LOGIN_MAX_PER_ADDRESS: '8', LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '3', LOGIN_DELAY_AFTER_FAILURES: '4', LOGIN_DELAY_BASE_MS: String(DELAY_BASE_MS) }
  const app = await context.build({ env: limits })

  await t.test('one address trying many accounts is limited per address (both limits count)', async (t) => {
    const statuses = []
    for (let i = 0; i < 9; i++) statuses.push((await login(app, uniqueEmail('sprayed'), 'a guessed password', '10.20.0.1')).statusCode)
    t.same(statuses, [...Array(8).fill(401), 429], 'the ninth attempt from the address is refused, whatever the email')
    const refused = await login(app, uniqueEmail('sprayed'), 'a guessed password', '10.20.0.1')
    t.equal(refused.json().code, 'RATE_LIMITED')
    t.ok(Number(refused.headers['retry-after']) > 0)
    t.equal((await login(app, uniqueEmail('sprayed'), 'a guessed password', '10.20.0.2')).statusCode, 401, 'another address has its own budget')
  })

  await t.test('wrong passwords lock out only the address that sent them, never the account', async (t) => {
    const owner = await signup(app)
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await login(app, owner.email, 'wrong password!', '10.21.0.1')).statusCode)
    t.same(statuses, [401, 401, 401, 429], 'three failures from one address, then that address is refused')
    const right = await login(app, owner.email, PASSWORD, '10.21.0.1')
    t.equal(right.statusCode, 429, 'even with the right password: no more guesses from there')
    t.equal(right.json().code, 'TOO_MANY_FAILED_LOGINS')
    t.ok(Number(right.headers['retry-after']) > 0, 'Retry-After says when')
    t.equal((await login(app, owner.email, PASSWORD, '10.21.0.2')).statusCode, 200, 'the owner signs in from anywhere else')
  })

  await t.test('the counts are shared: failures on one instance refuse the address on another', async (t) => {
    const other = await context.build({ env: limits })
    const owner = await signup(app)
    for (let i = 0; i < 3; i++) t.equal((await login(app, owner.email, 'wrong password!', '10.25.0.1')).statusCode, 401)
    const refused = await login(other, owner.email, PASSWORD, '10.25.0.1')
    t.equal(refused.statusCode, 429, 'the other instance read the three failures from Redis')
    t.equal(refused.json().code, 'TOO_MANY_FAILED_LOGINS')
    t.equal((await login(other, owner.email, PASSWORD, '10.25.0.2')).statusCode, 200, 'and the owner signs in there from elsewhere')
  })

  await t.test('many failures from many addresses slow the account down with a growing delay, not a wall', async (t) => {
    const owner = await signup(app)
    t.equal((await login(app, owner.email, PASSWORD, '10.22.0.1')).statusCode, 200, 'the owner\'s usual address')
    for (let i = 0; i < 5; i++) t.equal((await login(app, owner.email, 'wrong password!', `10.22.1.${i}`)).statusCode, 401)
    const delayed = await login(app, owner.email, 'wrong password!', '10.22.2.1')
    t.equal(delayed.statusCode, 429, 'past four failures (the fifth made a delay), a new address waits')
    t.equal(delayed.json().code, 'LOGIN_DELAYED')
    t.ok(Number(delayed.headers['retry-after']) <= DELAY_BASE_MS / 1000, `the first delay: LOGIN_DELAY_BASE_MS (Retry-After ${delayed.headers['retry-after']})`)
    t.equal((await login(app, owner.email, PASSWORD, '10.22.0.1')).statusCode, 200, 'the owner\'s known address is not held up')

    // Asked from a new address each time (each address has its own budget of attempts); a
    // refused attempt counts no failure, so the first one answered once the delay is over is judged.
    let address = 0
    const once = async (password: string, status: number) => await waitFor(`an attempt answered ${status}`, async () => {
      const response = await login(app, owner.email, password, `10.22.3.${address++}`)
      if (response.statusCode !== 429 && response.statusCode !== status) throw new Error(`answered ${response.statusCode}: ${response.body}`)
      return response.statusCode === status
    }, { intervalMs: 100 })
    t.ok(await once('wrong password!', 401), 'after the delay a guess is judged again')
    const longer = await login(app, owner.email, PASSWORD, '10.22.2.3')
    t.equal(longer.json().code, 'LOGIN_DELAYED')
    t.ok(Number(longer.headers['retry-after']) > DELAY_BASE_MS / 1000, `each further failure doubles the delay (Retry-After ${longer.headers['retry-after']})`)
    t.ok(await once(PASSWORD, 200), 'and then the right password works from a new address')
  })

  await t.test('a refused attempt costs no password hash', async (t) => {
    const owner = await signup(app)
    for (let i = 0; i < 3; i++) await login(app, owner.email, 'wrong password!', '10.23.0.1')
    const verify = t.capture(app.passwords, 'verify')
    t.equal((await login(app, owner.email, 'wrong password!', '10.23.0.1')).statusCode, 429)
    t.equal(verify.args().length, 0)
  })

  await t.test('the current password is guessed no more often than at login', async (t) => {
    const owner = await signup(app)
    const viewer = await staff(app, owner, 'viewer')
    const change = (currentPassword: string) => viewer.request({ method: 'POST', url: '/v1/users/me/password', remoteAddress: '10.24.0.1', payload: { currentPassword, newPassword: 'a brand new secret' } })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await change(`guess number ${i}`)).statusCode)
    t.same(statuses, [403, 403, 403, 429])
    t.equal((await change(PASSWORD)).json().code, 'TOO_MANY_FAILED_LOGINS')
  })
})

test('TRUST_PROXY: behind one load balancer the client is the address it saw, whatever the client wrote', async (t) => {
  await clearOfWindowEnd()
  const context = await testContext(t)
  const env = { LOGIN_WINDOW_MS: WINDOW, LOGIN_MAX_PER_ADDRESS: '3' }
  const behindOne = await context.build({ env: { ...env, TRUST_PROXY: '1' } })
  const attempt = (app: App, forwardedFor: string) => app.inject({
    method: 'POST', url: '/v1/auth/login', remoteAddress: '10.30.0.1', headers: { 'x-forwarded-for': forwardedFor }, payload: { email: uniqueEmail(), password: 'a guessed password' }
  })
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await attempt(behindOne, `198.51.100.${i}, 203.0.113.7`)).statusCode)
  t.same(statuses, [401, 401, 401, 429], 'forged first entries do not make new clients')
  t.equal((await attempt(behindOne, '203.0.113.8')).statusCode, 401, 'another client behind the same balancer has its own budget')

  const direct = await context.build({ env })
  const directStatuses = []
  for (let i = 0; i < 4; i++) directStatuses.push((await attempt(direct, `198.51.100.${10 + i}`)).statusCode)
  t.same(directStatuses, [401, 401, 401, 429], 'without TRUST_PROXY the header is ignored')
})

test('with Redis unreachable the sign-in limits hold per instance', async (t) => {
  await clearOfWindowEnd()
  const { redisProxy } = await import('../../support/redis-proxy.ts')
  const context = await testContext(t)
  const proxy = await redisProxy(context.env)
  t.teardown(() => proxy.close())
  const app = await context.build({
    env: { LOGIN_WINDOW_MS: WINDOW, LOGIN_MAX_PER_ADDRESS: '5', LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '2', ...proxy.env, CACHE_OP_TIMEOUT_MS: '200' }
  })
  const owner = await signup(app)
  proxy.cut()
  const failures = []
  for (let i = 0; i < 3; i++) failures.push((await login(app, owner.email, 'wrong password!', '10.40.0.1')).statusCode)
  t.same(failures, [401, 401, 429], 'failures per account and address')
  const sprayed = []
  for (let i = 0; i < 6; i++) sprayed.push((await login(app, uniqueEmail(), 'a guessed password', '10.40.0.2')).statusCode)
  t.same(sprayed, [401, 401, 401, 401, 401, 429], 'attempts per address')
  t.equal((await login(app, owner.email, PASSWORD, '10.40.0.3')).statusCode, 200, 'the owner still signs in')
})

test('one email, accounts at several agencies: sign-in picks the agency, nothing tells one agency about another', async (t) => {
  await clearOfWindowEnd()
  const app = await build(t, { env: { LOGIN_WINDOW_MS: WINDOW } })
  const first = await signup(app, 'First Lettings')
  const second = await signup(app, 'Second Lettings')
  const email = uniqueEmail('shared')
  const add = (owner: typeof first, password: string) => owner.post('/v1/users', { email, name: 'Sam Shared', role: 'manager', password })

  const atFirst = await add(first, 'first agency password')
  const atSecond = await add(second, 'second agency password')
  t.equal(atFirst.statusCode, 201)
  t.equal(atSecond.statusCode, 201, 'the second agency adds the same person: no 409, nothing blocked')
  t.same(Object.keys(atSecond.json()).sort(), Object.keys(atFirst.json()).sort(), 'and learns nothing from the answer')
  t.equal((await add(first, 'first agency password')).json().code, 'EMAIL_TAKEN', 'only the agency\'s own users conflict')

  const intoFirst = await login(app, email, 'first agency password', '10.50.0.1')
  t.equal(intoFirst.statusCode, 200)
  t.equal(app.jwt.decode<{ agency: string }>(intoFirst.json().accessToken)!.agency, first.agencyId, 'each password opens its own agency')
  const intoSecond = await login(app, email, 'second agency password', '10.50.0.1')
  t.equal(app.jwt.decode<{ agency: string }>(intoSecond.json().accessToken)!.agency, second.agencyId)
  const wrongAgency = await login(app, email, 'first agency password', '10.50.0.1', { agencyId: second.agencyId })
  t.equal(wrongAgency.statusCode, 401, 'a password opens only its own agency')
  t.equal(wrongAgency.json().code, 'INVALID_CREDENTIALS')

  const third = await signup(app, 'Third Lettings')
  t.equal((await add(third, 'first agency password')).statusCode, 201)
  const choice = await login(app, email, 'first agency password', '10.50.0.2')
  t.equal(choice.statusCode, 409, 'one password opening two agencies: the person picks')
  t.equal(choice.json().code, 'AGENCY_CHOICE_REQUIRED')
  t.same(choice.json().agencies.map((a: { name: string }) => a.name).sort(), ['First Lettings', 'Third Lettings'], 'only the agencies this password opens')
  const picked = await login(app, email, 'first agency password', '10.50.0.2', { agencyId: third.agencyId })
  t.equal(picked.statusCode, 200)
  t.equal(app.jwt.decode<{ agency: string }>(picked.json().accessToken)!.agency, third.agencyId)

  const theirs = await second.get('/v1/users?limit=100')
  t.equal(theirs.json().items.filter((u: { email: string }) => u.email === email).length, 1, 'each agency sees its own account only')
})
