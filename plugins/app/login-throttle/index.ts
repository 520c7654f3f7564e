// Password guessing limits that never become a lock-out someone else can trigger.
// Failures are counted two ways, for one sign-in name (the email; the password
// change counts per user the same way):
//  - per name and address, strictly: after LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS
//    failures that address is refused for that name until the window passes
//    without a failure. Other addresses are not affected.
//  - per name, loosely: past LOGIN_DELAY_AFTER_FAILURES failures from all
//    addresses together, each further failure makes the next attempt wait,
//    doubling from LOGIN_DELAY_BASE_MS up to LOGIN_DELAY_MAX_MS. An address that
//    signed in to that name successfully within KNOWN_ADDRESS_MS skips the wait,
//    so a distributed guesser slows to one guess per delay while the person
//    keeps signing in from where they always do.
// Refusals cost no password hash. Counters live in Redis (every instance sees
// the same), with a copy in this process that answers while Redis is away: the
// limits then hold per instance instead of failing open.
// Why not @fastify/rate-limit for this: it counts requests in fixed windows; it
// cannot count only failures, forget them on success, or turn a count into a
// delay. Why not rate-limiter-flexible: the same three rules on top of it would
// be as much code as this, with a second limiter beside the first.
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { codedError } from '../error-handler.ts'

export interface LoginThrottle {
  /** Throws 429 (with Retry-After) when this name may not be tried from this address now. */
  check: (name: string, address: string) => Promise<void>
  failed: (name: string, address: string) => Promise<void>
  succeeded: (name: string, address: string) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    loginThrottle: LoginThrottle
  }
}

const KNOWN_ADDRESS_MS = 30 * 24 * 3_600_000
/** entries of the in-process copy; the oldest go first when an attack sprays names */
const LOCAL_MAX = 50_000

interface Keys { pair: string, account: string, delay: string, known: string }

/**
 * A name's keys. Hashed: they hold no email, and a name of any length makes a short key.
 * The hash is their Redis Cluster hash tag ({…}), so the pipeline and transactions over
 * them run on one slot.
 */
export function loginKeys (name: string, address: string): Keys {
  const tag = `login:{${createHash('sha256').update(name).digest('base64url').slice(0, 27)}}`
  return { pair: `${tag}:pair:${address}`, account: `${tag}:account`, delay: `${tag}:delay`, known: `${tag}:known:${address}` }
}

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)))

export default fp(async function loginThrottle (fastify) {
  const { redis, config } = fastify
  const window = config.LOGIN_WINDOW_MS
  const local = new LRUCache<string, number>({ max: LOCAL_MAX, ttl: window, ttlAutopurge: false })
  const localTtl = (key: string) => local.has(key) ? local.getRemainingTTL(key) : -2

  /** The wait imposed after the n-th failure of a name, or 0. */
  const delayAfter = (failures: number) => failures <= config.LOGIN_DELAY_AFTER_FAILURES
    ? 0
    : Math.min(config.LOGIN_DELAY_BASE_MS * 2 ** (failures - config.LOGIN_DELAY_AFTER_FAILURES - 1), config.LOGIN_DELAY_MAX_MS)

  let lastWarning = 0
  const degraded = (err: unknown) => {
    if (Date.now() - lastWarning < 10_000) return
    lastWarning = Date.now()
    fastify.log.warn({ err }, 'login throttle: Redis unavailable, counting in this instance only')
  }

  async function state (keys: Keys): Promise<{ pairFailures: number, pairTtl: number, delayTtl: number, known: boolean }> {
    try {
      const replies = await redis.pipeline().get(keys.pair).pttl(keys.pair).pttl(keys.delay).exists(keys.known).exec()
      if (replies === null || replies.some(([err]) => err !== null)) throw replies?.find(([err]) => err !== null)?.[0] ?? new Error('no reply')
      const [pair, pairTtl, delayTtl, known] = replies.map(([, value]) => value)
      return { pairFailures: Number(pair ?? 0), pairTtl: Number(pairTtl), delayTtl: Number(delayTtl), known: Number(known) === 1 }
    } catch (err) {
      degraded(err)
      return { pairFailures: local.get(keys.pair) ?? 0, pairTtl: localTtl(keys.pair), delayTtl: localTtl(keys.delay), known: local.has(keys.known) }
    }
  }

  fastify.decorate('loginThrottle', {
    async check (name, address) {
      const keys = loginKeys(name, address)
      const now = await state(keys)
      if (now.pairFailures >= config.LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS) {
        throw Object.assign(codedError(429, 'TOO_MANY_FAILED_LOGINS', 'Too many failed attempts for this account from your address; wait and try again, or reset your password'), {
          headers: { 'retry-after': seconds(now.pairTtl > 0 ? now.pairTtl : window) }
        })
      }
      if (now.delayTtl > 0 && !now.known) {
        throw Object.assign(codedError(429, 'LOGIN_DELAYED', `This account has had many failed sign-in attempts; the next one is possible in ${seconds(now.delayTtl)} s`), {
          headers: { 'retry-after': seconds(now.delayTtl) }
        })
      }
    },

    async failed (name, address) {
      const keys = loginKeys(name, address)
      const localFailures = (local.get(keys.account) ?? 0) + 1
      local.set(keys.pair, (local.get(keys.pair) ?? 0) + 1)
      local.set(keys.account, localFailures)
      let failures = localFailures
      try {
        const replies = await redis.multi().incr(keys.pair).pexpire(keys.pair, window).incr(keys.account).pexpire(keys.account, window).exec()
        failures = Number(replies?.[2]?.[1] ?? localFailures)
      } catch (err) {
        degraded(err)
      }
      const delay = delayAfter(failures)
      if (delay === 0) return
      local.set(keys.delay, 1, { ttl: delay })
      await redis.set(keys.delay, '1', 'PX', delay).catch(degraded)
    },

    async succeeded (name, address) {
      const keys = loginKeys(name, address)
      local.delete(keys.pair)
      local.set(keys.known, 1, { ttl: KNOWN_ADDRESS_MS })
      await redis.multi().del(keys.pair).set(keys.known, '1', 'PX', KNOWN_ADDRESS_MS).exec().catch(degraded)
    }
  } satisfies LoginThrottle)
}, { name: 'login-throttle', dependencies: ['redis'] })
