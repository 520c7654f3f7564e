// Sign-in limits against callers who send attempts in parallel, own an account of
// the same email elsewhere, or hold a whole IPv6 /64.
import { test } from 'tap'
import { testContext, type App } from '../../helper.ts'
import { PASSWORD, signup, staff, uniqueEmail } from '../../support/session.ts'
import { TEST_WINDOW_MS, clearOfWindowEnd } from '../../support/rate-window.ts'

const WINDOW = String(TEST_WINDOW_MS)
const login = (app: App, email: string, password: string, remoteAddress: string, extra: Record<string, unknown> = {}) =>
  app.inject({ method: 'POST', url: '/v1/auth/login', remoteAddress, payload: { email, password, ...extra } })

/** How many answers had each status. */
const tally = (responses: Array<{ statusCode: number }>) => {
  const counts: Record<number, number> = {}
  for (const { statusCode } of responses) counts[statusCode] = (counts[statusCode] ?? 0) + 1
  return counts
}
const codes = (responses: Array<{ statusCode: number, json: () => { code?: string } }>, status: number) =>
  [...new Set(responses.filter((r) => r.statusCode === status).map((r) => r.json().code))]

test('parallel attempts: each is counted before its password is checked', async (t) => {
  await clearOfWindowEnd()
  const context = await testContext(t)
  const app = await context.build({
    env: { LOGIN_WINDOW_MS: WINDOW, LOGIN_MAX_PER_ADDRESS: '500', LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '5', LOGIN_DELAY_AFTER_FAILURES: '4', LOGIN_DELAY_BASE_MS: '60000' }
  })

  await t.test('30 wrong passwords at once from one address: only the limit is checked', async (t) => {
    const owner = await signup(app)
    // Far above the delay threshold, so only the per-account-and-address limit acts.
    const loose = await context.build({ env: { LOGIN_WINDOW_MS: WINDOW, LOGIN_MAX_PER_ADDRESS: '500', LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '5', LOGIN_DELAY_AFTER_FAILURES: '100' } })
    const verify = t.capture(loose.passwords, 'verify', loose.passwords.verify)
    const answers = await Promise.all(Array.from({ length: 30 }, () => login(loose, owner.email, 'wrong password!', '10.70.0.1')))
    t.same(tally(answers), { 401: 5, 429: 25 }, 'five checked, the rest refused')
    t.same(codes(answers, 429), ['TOO_MANY_FAILED_LOGINS'])
    t.ok(answers.filter((r) => r.statusCode === 429).every((r) => Number(r.headers['retry-after']) > 0), 'each refusal says when to retry')
    t.equal(verify.args().length, 5, 'five password hashes, not thirty')
  })

  await t.test('30 wrong passwords at once from 30 addresses: the account\'s delay holds', async (t) => {
    const owner = await signup(app)
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => login(app, owner.email, 'wrong password!', `10.71.0.${i + 1}`)))
    t.same(tally(answers), { 401: 5, 429: 25 }, 'four failures, one more that starts the delay, then everyone waits')
    t.same(codes(answers, 429), ['LOGIN_DELAYED'])
    t.ok(answers.filter((r) => r.statusCode === 429).every((r) => Number(r.headers['retry-after']) > 0))
  })

  await t.test('a right password inside the limit signs in and gives its attempt back', async (t) => {
    const owner = await signup(app)
    const burst = await Promise.all([
      login(app, owner.email, 'wrong password!', '10.72.0.1'),
      login(app, owner.email, 'wrong password!', '10.72.0.2'),
      login(app, owner.email, PASSWORD, '10.72.0.3')
    ])
    t.same(burst.map((r) => r.statusCode), [401, 401, 200], 'all three within the limits, all three checked')
    // Two failures count. Had the success stayed counted, the failure from .0.5 would already
    // start the delay and .0.6 would wait.
    t.equal((await login(app, owner.email, 'wrong password!', '10.72.0.4')).statusCode, 401, 'the third failure')
    t.equal((await login(app, owner.email, 'wrong password!', '10.72.0.5')).statusCode, 401, 'the fourth failure')
    t.equal((await login(app, owner.email, 'wrong password!', '10.72.0.6')).statusCode, 401, 'the fifth starts the delay')
    const delayed = await login(app, owner.email, PASSWORD, '10.72.0.7')
    t.equal(delayed.json().code, 'LOGIN_DELAYED', 'and only then is a new address held up')
    t.equal((await login(app, owner.email, PASSWORD, '10.72.0.3')).statusCode, 200, 'except where the owner signed in')
  })

  await t.test('30 wrong current passwords at once: the password change is limited the same way', async (t) => {
    const owner = await signup(app)
    const viewer = await staff(app, owner, 'viewer')
    const change = (currentPassword: string, remoteAddress: string) =>
      viewer.request({ method: 'POST', url: '/v1/users/me/password', remoteAddress, payload: { currentPassword, newPassword: 'a brand new secret' } })
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => change(`guess number ${i}`, '10.73.0.1')))
    t.same(tally(answers), { 403: 5, 429: 25 })
    t.same(codes(answers, 429), ['TOO_MANY_FAILED_LOGINS'])
    t.ok(answers.filter((r) => r.statusCode === 429).every((r) => Number(r.headers['retry-after']) > 0))
    const fromElsewhere = await Promise.all(Array.from({ length: 30 }, (_, i) => change(`guess number ${i}`, `10.73.1.${i + 1}`)))
    t.equal(tally(fromElsewhere)[403] ?? 0, 0, 'the user\'s delay, started by the five failures, holds every other address')
    t.same(codes(fromElsewhere, 429), ['LOGIN_DELAYED'])
    t.equal((await change(PASSWORD, '10.73.2.1')).json().code, 'LOGIN_DELAYED', 'the right password from a new address waits too')
  })
})

test('an account of the same email at another agency neither resets the limits nor skips the delay', async (t) => {
  await clearOfWindowEnd()
  const context = await testContext(t)
  const app = await context.build({
    env: { LOGIN_WINDOW_MS: WINDOW, LOGIN_MAX_PER_ADDRESS: '500', LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '5', LOGIN_DELAY_AFTER_FAILURES: '100' }
  })
  const twinOf = async (app: App, victim: { email: string }) => {
    const response = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { agencyName: 'Twin Lettings', name: 'Mallory', email: victim.email, password: 'the attacker\'s own password' } })
    t.equal(response.statusCode, 201, 'anyone may sign up with any email')
    return response.json().agency.id as string
  }

  await t.test('guesses alternating with sign-ins to the twin account are still limited', async (t) => {
    const victim = await signup(app, 'Victim Lettings')
    await twinOf(app, victim)
    const guesses = []
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 4; i++) guesses.push(await login(app, victim.email, `guess ${round}.${i}`, '10.74.0.1', { agencyId: victim.agencyId }))
      await login(app, victim.email, 'the attacker\'s own password', '10.74.0.1')
    }
    t.equal(tally(guesses)[401], 5, 'five of the 24 guesses are checked')
    t.same(codes(guesses, 429), ['TOO_MANY_FAILED_LOGINS'])
    t.equal((await login(app, victim.email, PASSWORD, '10.74.0.2')).statusCode, 200, 'the victim signs in from anywhere else')
  })

  await t.test('a success gives back its own attempt only, while the email has accounts elsewhere', async (t) => {
    const victim = await signup(app, 'Victim Lettings')
    await twinOf(app, victim)
    for (let i = 0; i < 4; i++) t.equal((await login(app, victim.email, `guess ${i}`, '10.75.0.1')).statusCode, 401)
    const own = await login(app, victim.email, 'the attacker\'s own password', '10.75.0.1')
    t.equal(own.statusCode, 200, 'the twin signs in, and that attempt is given back')
    t.equal((await login(app, victim.email, 'guess 4', '10.75.0.1')).statusCode, 401, 'the fifth failure')
    t.equal((await login(app, victim.email, 'guess 5', '10.75.0.1')).json().code, 'TOO_MANY_FAILED_LOGINS', 'the four before were not forgotten')
  })

  await t.test('while the email is delayed, the twin\'s address may try the twin account only', async (t) => {
    const delayed = await context.build({ env: { LOGIN_WINDOW_MS: WINDOW, LOGIN_MAX_PER_ADDRESS: '500', LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '5', LOGIN_DELAY_AFTER_FAILURES: '2', LOGIN_DELAY_BASE_MS: '60000' } })
    const victim = await signup(delayed, 'Victim Lettings')
    const twin = await twinOf(app, victim)
    t.equal((await login(delayed, victim.email, 'the attacker\'s own password', '10.76.0.1')).statusCode, 200, 'the twin\'s address signs in: it is known for the twin account')
    t.equal((await login(delayed, victim.email, PASSWORD, '10.76.0.9')).statusCode, 200, 'the victim\'s address signs in: known for the victim\'s account')
    for (let i = 0; i < 3; i++) t.equal((await login(delayed, victim.email, `guess ${i}`, `10.76.1.${i}`)).statusCode, 401)
    t.equal((await login(delayed, victim.email, 'guess 3', '10.76.1.9')).json().code, 'LOGIN_DELAYED', 'the email is delayed')

    const named = await login(delayed, victim.email, PASSWORD, '10.76.0.1', { agencyId: victim.agencyId })
    t.equal(named.statusCode, 429, 'naming the victim\'s agency from the twin\'s address waits, even with the right password')
    t.equal(named.json().code, 'LOGIN_DELAYED')
    const unnamed = await login(delayed, victim.email, PASSWORD, '10.76.0.1')
    t.equal(unnamed.statusCode, 401, 'without a name, only the twin account is tried: the victim\'s password opens nothing')
    t.equal((await login(delayed, victim.email, 'the attacker\'s own password', '10.76.0.1', { agencyId: twin })).statusCode, 200, 'the twin still signs in to its own account')
    t.equal((await login(delayed, victim.email, PASSWORD, '10.76.0.9')).statusCode, 200, 'and the victim to theirs, from their address')
  })
})

test('per-address limits count an IPv6 client by its /64', async (t) => {
  await clearOfWindowEnd()
  const context = await testContext(t)
  const app = await context.build({
    env: { LOGIN_WINDOW_MS: WINDOW, LOGIN_MAX_PER_ADDRESS: '6', LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '3', LOGIN_DELAY_AFTER_FAILURES: '100' }
  })

  await t.test('failures per account: new addresses in the same /64 are the same client', async (t) => {
    const owner = await signup(app)
    for (const host of ['1', 'a:b', 'ffff:ffff:fffe']) t.equal((await login(app, owner.email, 'wrong password!', `2001:db8:77:1::${host}`)).statusCode, 401)
    const refused = await login(app, owner.email, PASSWORD, '2001:db8:77:1:ffff:ffff:ffff:ffff')
    t.equal(refused.statusCode, 429, 'a fourth address of the /64 is refused, even with the right password')
    t.equal(refused.json().code, 'TOO_MANY_FAILED_LOGINS')
    t.equal((await login(app, owner.email, PASSWORD, '2001:db8:77:2::1')).statusCode, 200, 'the next /64 is another client')
  })

  await t.test('attempts per address: spraying emails from one /64', async (t) => {
    const statuses = []
    for (let i = 0; i < 7; i++) statuses.push((await login(app, uniqueEmail('sprayed'), 'a guessed password', `2001:db8:78:1:${i}::1`)).statusCode)
    t.same(statuses, [401, 401, 401, 401, 401, 401, 429])
  })

  await t.test('IPv4 reached over IPv6 counts as the IPv4 address', async (t) => {
    const owner = await signup(app)
    t.equal((await login(app, owner.email, 'wrong password!', '10.79.0.1')).statusCode, 401)
    t.equal((await login(app, owner.email, 'wrong password!', '::ffff:10.79.0.1')).statusCode, 401)
    t.equal((await login(app, owner.email, 'wrong password!', '10.79.0.1')).statusCode, 401)
    t.equal((await login(app, owner.email, PASSWORD, '::ffff:10.79.0.1')).json().code, 'TOO_MANY_FAILED_LOGINS')
    t.equal((await login(app, owner.email, PASSWORD, '10.79.0.2')).statusCode, 200, 'IPv4 addresses stay apart')
  })
})

test('with Redis unreachable, parallel attempts are still counted before they are checked', async (t) => {
  await clearOfWindowEnd()
  const { redisProxy } = await import('../../support/redis-proxy.ts')
  const context = await testContext(t)
  const proxy = await redisProxy(context.env)
  t.teardown(() => proxy.close())
  const app = await context.build({
    env: { LOGIN_WINDOW_MS: WINDOW, LOGIN_MAX_PER_ADDRESS: '500', LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: '3', LOGIN_DELAY_AFTER_FAILURES: '4', LOGIN_DELAY_BASE_MS: '60000', ...proxy.env, CACHE_OP_TIMEOUT_MS: '200' }
  })
  const owner = await signup(app)
  t.equal((await login(app, owner.email, PASSWORD, '10.80.0.2')).statusCode, 200, 'the owner\'s usual address, while Redis is up')
  proxy.cut()
  const fromOne = await Promise.all(Array.from({ length: 20 }, () => login(app, owner.email, 'wrong password!', '10.80.0.1')))
  t.same(tally(fromOne), { 401: 3, 429: 17 }, 'per account and address')
  const fromMany = await Promise.all(Array.from({ length: 20 }, (_, i) => login(app, owner.email, 'wrong password!', `10.80.1.${i + 1}`)))
  t.same(tally(fromMany), { 401: 2, 429: 18 }, 'the fourth failure, then the fifth that starts the delay')
  t.same(codes(fromMany, 429), ['LOGIN_DELAYED'])
  t.equal((await login(app, owner.email, PASSWORD, '10.80.0.2')).statusCode, 200, 'the owner still signs in from their usual address')
})
