// Password guessing limits that never become a lock-out someone else can trigger.
// Failures are counted two ways, for one sign-in name (the email; the password
// change counts per user the same way):
//  - per name and address, strictly: after LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS
//    failures that address is refused for that name until the window passes
//    without a failure. Other addresses are not affected.
//  - per name, loosely: past LOGIN_DELAY_AFTER_FAILURES failures from all
//    addresses together, each further failure makes the next attempt wait,
//    doubling from LOGIN_DELAY_BASE_MS up to LOGIN_DELAY_MAX_MS. An address that
//    signed in to an account of that name within KNOWN_ADDRESS_MS skips the wait
//    for that account only, so a distributed guesser slows to one guess per
//    delay while the person keeps signing in from where they always do.
// An attempt is counted as a failure before the password is checked (reserved)
// and given back when the password is right, so parallel attempts cannot all
// pass the limits before the first failure lands. One email may have accounts
// at several agencies, and anyone can sign up with any email: a success gives
// back its own attempt, and forgets the address's earlier failures only when
// its accounts are all the email has (the failures could not be against
// another's). Addresses are counted by client network (IPv6: the /64).
// Refusals cost no password hash. Counters live in Redis (every instance sees
// the same), with a copy in this process that answers while Redis is away: the
// limits then hold per instance instead of failing open.
// Why not @fastify/rate-limit for this: it counts requests in fixed windows; it
// cannot count only failures, forget them on success, or turn a count into a
// delay. Why not rate-limiter-flexible: the same three rules on top of it would
// be as much code as this, with a second limiter beside the first.
import fp from 'fastify-plugin'
import { randomUUID } from 'node:crypto'
import { codedError } from '../error-handler.ts'
import { clientNetwork } from '../../external/rate-limit/client-network.ts'
import { delayAfter, delaySteps, loginKeys, type Keys, type Limits, type SignedIn, type Verdict } from './counts.ts'
import { LocalCounts } from './local-counts.ts'
import { RedisCounts } from './redis-counts.ts'

export { loginKeys } from './counts.ts'
export type { SignedIn } from './counts.ts'

export interface LoginThrottle {
  /**
   * Runs `verify` as one attempt at `name` from `address`, counted as a failure before it
   * runs: given back when it proves the password (answers what it signed in to) or throws;
   * kept, and maybe delaying the name, when it answers null. When the attempt may not be
   * made now, throws 429 (with Retry-After) without running it. `agency`: the one account's
   * agency, when the caller names it. `verify` is told, while the name is delayed, the only
   * agencies whose accounts this address may still try (those it signed in to).
   */
  attempt: <T extends SignedIn>(name: string, address: string, agency: string | undefined, verify: (agencies: string[] | undefined) => Promise<T | null>) => Promise<T | null>
}

declare module 'fastify' {
  interface FastifyInstance {
    loginThrottle: LoginThrottle
  }
}

const KNOWN_ADDRESS_MS = 30 * 24 * 3_600_000

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)))

export default fp(async function loginThrottle (fastify) {
  const { config } = fastify
  const limits: Limits = {
    maxPairFailures: config.LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS,
    windowMs: config.LOGIN_WINDOW_MS,
    delayAfter: config.LOGIN_DELAY_AFTER_FAILURES,
    delays: delaySteps(config.LOGIN_DELAY_BASE_MS, config.LOGIN_DELAY_MAX_MS),
    knownMs: KNOWN_ADDRESS_MS
  }
  const shared = new RedisCounts(fastify.redis, limits)
  const local = new LocalCounts(limits)

  let lastWarning = 0
  const degraded = (err: unknown) => {
    if (Date.now() - lastWarning < 10_000) return
    lastWarning = Date.now()
    fastify.log.warn({ err }, 'login throttle: Redis unavailable, counting in this instance only')
  }

  function refusal (verdict: Verdict & { refused: 'pair' | 'delay' }): Error {
    const error = verdict.refused === 'pair'
      ? codedError(429, 'TOO_MANY_FAILED_LOGINS', 'Too many failed attempts for this account from your address; wait and try again, or reset your password')
      : codedError(429, 'LOGIN_DELAYED', `This account has had many failed sign-in attempts; the next one is possible in ${seconds(verdict.retryMs)} s`)
    return Object.assign(error, { headers: { 'retry-after': seconds(verdict.retryMs > 0 ? verdict.retryMs : limits.windowMs) } })
  }

  async function reserve (keys: Keys, agency: string | undefined, token: string): Promise<Verdict> {
    try {
      const verdict = await shared.reserve(keys, agency, token, Date.now())
      if (verdict.refused === false) local.follow(keys, token, verdict.heldMs)
      return verdict
    } catch (err) {
      degraded(err)
      return local.reserve(keys, agency, token, Date.now())
    }
  }

  async function refund (keys: Keys, token: string, signedIn?: SignedIn): Promise<void> {
    const now = Date.now()
    local.refund(keys, token, now, signedIn)
    await shared.refund(keys, token, now, signedIn).catch(degraded)
  }

  async function failed (keys: Keys, failures: number): Promise<void> {
    const delayMs = delayAfter(limits, failures)
    if (delayMs === 0) return
    local.failed(keys, delayMs)
    await shared.failed(keys, delayMs).catch(degraded)
  }

  fastify.decorate('loginThrottle', {
    async attempt (name, address, agency, verify) {
      const keys = loginKeys(name, clientNetwork(address))
      const token = randomUUID()
      const verdict = await reserve(keys, agency, token)
      if (verdict.refused !== false) throw refusal(verdict)
      let proof
      try {
        proof = await verify(verdict.agencies)
      } catch (err) {
        await refund(keys, token)
        throw err
      }
      if (proof === null) await failed(keys, verdict.failures)
      else await refund(keys, token, proof)
      return proof
    }
  } satisfies LoginThrottle)
}, { name: 'login-throttle', dependencies: ['redis'] })
