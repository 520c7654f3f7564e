// Redis (ioredis) for the cache, rate-limit counters and pub/sub.
// Redis is an accelerator, not a dependency: a dead Redis must cost a request
// milliseconds, and the API starts (degraded) when Redis is down at boot, then
// reconnects in the background. @fastify/redis holds start-up until Redis
// answers, which is the opposite policy, so this small wrapper decorates the
// same `fastify.redis` name itself.
import fp from 'fastify-plugin'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis, type RedisOptions } from 'ioredis'

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis
  }
}

export function redisOptions (opTimeoutMs: number, keyPrefix: string): RedisOptions {
  return {
    keyPrefix,
    connectTimeout: opTimeoutMs,
    commandTimeout: opTimeoutMs,
    // Fail commands at once while disconnected instead of queueing them.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep reconnecting forever, backing off to one attempt every 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    connectionName: 'haven-api',
    // Commands issued in the same tick leave in one write: under load, every request's
    // rate-limit call would otherwise cost a socket write of its own.
    enableAutoPipelining: true
  }
}

export default fp(async function redis (fastify) {
  const { REDIS_URL, CACHE_OP_TIMEOUT_MS, REDIS_KEY_PREFIX } = fastify.config
  const client = new Redis(REDIS_URL, redisOptions(CACHE_OP_TIMEOUT_MS, REDIS_KEY_PREFIX))

  // Without a listener ioredis reports every failed reconnect as an unhandled error;
  // log the transitions, not each attempt.
  let up = false
  client.on('error', (err: Error) => {
    if (up) fastify.log.warn({ err }, 'Redis connection error')
  })
  client.on('ready', () => {
    up = true
    fastify.log.info('Redis ready')
  })
  client.on('close', () => {
    if (up) fastify.log.warn('Redis connection lost; serving without it until it returns')
    up = false
  })

  const ready = await Promise.race([
    new Promise<boolean>((resolve) => client.once('ready', () => resolve(true))),
    sleep(CACHE_OP_TIMEOUT_MS, false, { ref: false })
  ])
  if (!ready) fastify.log.warn('Redis unreachable at start-up; starting degraded and reconnecting in the background')

  fastify.decorate('redis', client)
  fastify.addHook('onClose', async () => {
    // quit() lets pending replies arrive; a connection that drops meanwhile is closed anyway.
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
    else client.disconnect()
  })
}, { name: 'redis' })
