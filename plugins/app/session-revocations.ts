// Revoked access tokens stop working within seconds on every instance, while a
// request still costs no database read (the token is a JWT checked in memory).
// Disabling a user, changing their role or their password raises the user's
// session version (repositories/users.ts); tokens carry the version they were
// issued at. Each instance holds, for the users revoked within the last access
// token lifetime (older tokens have expired anyway), the lowest version still
// valid, and refuses older tokens (401 TOKEN_REVOKED).
// How a revocation reaches every instance:
//  - the instance that made it applies it at once and publishes it on Redis;
//    the others apply it when it arrives (milliseconds);
//  - on every (re)subscription, and every CATCH_UP_SUBSCRIBED_MS while
//    subscribed, an instance re-reads the recent revocations from MongoDB (one
//    indexed query), so a message missed while its link was down, or never
//    published because the revoking instance could not reach Redis, still lands;
//  - while not subscribed (Redis down), it re-reads them every
//    SESSION_REVOCATION_POLL_MS instead.
// Fail safe: an instance that has neither a live subscription nor a successful
// re-read within STALE_AFTER_POLLS polls does not know what was revoked, and
// answers authenticated requests 503 until it knows again.
import fp from 'fastify-plugin'
import type { ObjectId } from 'mongodb'
import type { SessionRevocation } from './repositories/users.ts'

declare module 'fastify' {
  interface FastifyInstance {
    sessionRevocations: {
      /** the lowest session version of this user's tokens still valid (0: none revoked recently) */
      minimumVersion: (userId: string) => number
      /** false while this instance may not know every recent revocation */
      current: () => boolean
      /** applies a revocation here and tells the other instances */
      revoked: (userId: ObjectId, sessionVersion: number) => Promise<void>
    }
  }
}

export const CATCH_UP_SUBSCRIBED_MS = 30_000
const STALE_AFTER_POLLS = 3
/** instances' clocks may differ: each re-read reaches this far before the last one */
const CLOCK_MARGIN_MS = 60_000
const PAGE = 1_000

interface Message { userId: string, sessionVersion: number }

export default fp<{ offline?: boolean }>(async function sessionRevocations (fastify, opts) {
  const { config, repos } = fastify
  const channel = `${config.REDIS_KEY_PREFIX}session-revocations`
  const tokenLifetimeMs = config.ACCESS_TOKEN_TTL_S * 1000
  const pollMs = config.SESSION_REVOCATION_POLL_MS
  /** userId → lowest valid version, and when this instance learnt it */
  const minimum = new Map<string, { version: number, at: number }>()

  function apply (userId: string, version: number): void {
    const known = minimum.get(userId)
    if (known === undefined || known.version < version) minimum.set(userId, { version, at: Date.now() })
  }

  let subscribed = false
  let lastCatchUp = 0
  /** up to when this instance is sure it heard every revocation: its last re-read, or when its subscription dropped */
  let knownUntil = 0
  let catchingUp: Promise<void> | null = null

  async function readSince (since: Date): Promise<void> {
    let after: SessionRevocation | null = null
    for (;;) {
      const page = await repos.users.globalRevokedSince(since, after, PAGE)
      for (const revocation of page) apply(revocation.userId.toHexString(), revocation.sessionVersion)
      if (page.length < PAGE) return
      after = page.at(-1)!
    }
  }

  function catchUp (): Promise<void> {
    catchingUp ??= (async () => {
      const startedAt = Date.now()
      const since = lastCatchUp === 0 ? startedAt - tokenLifetimeMs - CLOCK_MARGIN_MS : lastCatchUp - CLOCK_MARGIN_MS
      try {
        await readSince(new Date(since))
        lastCatchUp = startedAt
        knownUntil = Math.max(knownUntil, startedAt)
      } catch (err) {
        fastify.log.warn({ err }, 'session revocations: re-reading recent revocations from MongoDB failed; retrying')
      } finally {
        catchingUp = null
      }
      // Older entries only concern tokens that have expired.
      for (const [userId, entry] of minimum) if (entry.at < startedAt - tokenLifetimeMs - CLOCK_MARGIN_MS) minimum.delete(userId)
    })()
    return catchingUp
  }

  fastify.decorate('sessionRevocations', {
    minimumVersion: (userId) => minimum.get(userId)?.version ?? 0,
    current: () => subscribed || Date.now() - knownUntil <= pollMs * STALE_AFTER_POLLS,
    async revoked (userId, sessionVersion) {
      const message: Message = { userId: userId.toHexString(), sessionVersion }
      apply(message.userId, sessionVersion)
      await fastify.redisPublish(channel, JSON.stringify(message)).catch((err: unknown) => {
        fastify.log.warn({ err }, 'session revocations: could not publish; other instances learn it from MongoDB')
      })
    }
  })
  if (opts.offline === true) return

  // An instance serves only once it knows what was revoked before it started.
  await catchUp()
  if (lastCatchUp === 0) throw new Error('session revocations: could not read recent revocations from MongoDB')

  const subscriber = fastify.redisSubscriber()
  subscriber.on('error', () => undefined) // the main client logs Redis trouble
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(() => {
      subscribed = true
      return catchUp()
    }).catch(() => undefined)
  })
  // Until the drop every message arrived, so the instance stays current while it
  // re-reads at once and then polls (without this, the time since the last re-read,
  // up to CATCH_UP_SUBSCRIBED_MS, counted against it and failed requests at once).
  subscriber.on('close', () => {
    if (!subscribed) return
    subscribed = false
    knownUntil = Date.now()
    catchUp().catch(() => undefined)
  })
  subscriber.on('message', (_channel: string, raw: string) => {
    const message = JSON.parse(raw) as Message
    apply(message.userId, message.sessionVersion)
  })

  const timer = setInterval(() => {
    if (!subscribed || Date.now() - lastCatchUp >= CATCH_UP_SUBSCRIBED_MS) catchUp().catch(() => undefined)
  }, pollMs)
  timer.unref()

  fastify.addHook('onClose', async () => {
    clearInterval(timer)
    subscriber.disconnect()
    await catchingUp
  })
}, { name: 'session-revocations', dependencies: ['redis', 'repositories'] })
