import { test } from 'tap'
import { build } from '../../helper.ts'
import { PASSWORD, signup, uniqueEmail } from '../../support/session.ts'
import { TEST_WINDOW_MS, clearOfWindowEnd } from '../../support/rate-window.ts'

test('auth flow', async (t) => {
  await clearOfWindowEnd(TEST_WINDOW_MS, 60_000)
  const app = await build(t, { env: { LOGIN_MAX_PER_ACCOUNT: '4', LOGIN_WINDOW_MS: String(TEST_WINDOW_MS) } })

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

    const again = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { agencyName: 'Copy', name: 'C', email: email.toUpperCase(), password: PASSWORD } })
    t.equal(again.statusCode, 409)
    t.equal(again.json().code, 'EMAIL_TAKEN')
    t.equal(await app.mongo.db!.collection('agencies').countDocuments({ name: 'Copy' }), 0, 'no orphan agency is left behind')
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

  await t.test('login attempts are limited per account', async (t) => {
    const owner = await signup(app)
    const attempt = (address: string) => app.inject({ method: 'POST', url: '/v1/auth/login', remoteAddress: address, payload: { email: owner.email, password: 'wrong password!' } })
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push((await attempt(`10.0.0.${i + 1}`)).statusCode)
    t.same(statuses, [401, 401, 401, 401, 429], 'the fifth attempt is refused even from a new address')
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
