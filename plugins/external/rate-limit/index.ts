// Rate limiting (@fastify/rate-limit) with counters in Redis, so the limit holds
// across every instance, and the IETF draft RateLimit-* headers. The store is
// write-behind (see write-behind-store.ts): no Redis round trip per request,
// exact for small limits such as logins.
// Policy when Redis is down: the general limit keeps counting per instance;
// exact limits fail open (skipOnError). A limiter that rejects everyone because
// its store is away would turn a cache outage into an API outage; load
// shedding still protects the process meanwhile.
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import { promClient } from '../metrics.ts'
import { writeBehindStore } from './write-behind-store.ts'

export default fp(async function limits (fastify) {
  const limited = new promClient.Counter({
    name: 'haven_rate_limited_requests_total',
    help: 'Requests refused with 429 by route',
    labelNames: ['route'] as const,
    registers: [fastify.metricsRegistry]
  })

  await fastify.register(rateLimit, {
    global: true,
    // After authentication, so a signed-in user is limited as a user (wherever they
    // connect from) and anonymous callers by address.
    hook: 'preHandler',
    // request.auth is unset on public routes and on routes outside /v1.
    keyGenerator: (request) => {
      const userId = request.auth?.userId
      return userId === undefined ? `ip:${request.ip}` : `user:${userId.toHexString()}`
    },
    max: fastify.config.RATE_LIMIT_MAX,
    timeWindow: fastify.config.RATE_LIMIT_WINDOW_MS,
    store: writeBehindStore(fastify.redis, 'rate-limit:', (err) => fastify.log.warn({ err }, 'rate-limit counts not flushed to Redis; retrying')),
    skipOnError: true,
    enableDraftSpec: true,
    onExceeded: (request) => limited.inc({ route: request.routeOptions.url ?? 'unknown' }),
    // The app's error handler gives this its public shape; the wrapper only names the code.
    errorResponseBuilder: (_request, context) => Object.assign(
      new Error(`Too many requests: the limit is ${context.max} per window; retry in ${context.after}`),
      { statusCode: context.statusCode, code: 'RATE_LIMITED' }
    )
  })
}, { name: 'rate-limit', dependencies: ['redis', 'metrics'] })
