// Rate limiting (@fastify/rate-limit) with counters in Redis, so the limit holds
// across every instance, and the IETF draft RateLimit-* headers. Each signed-in
// user has a budget (RATE_LIMIT_MAX), and so has their agency as a whole
// (RATE_LIMIT_AGENCY_MAX): an agency that adds users does not add capacity, and
// cannot starve the others; anonymous callers are limited by client network
// (client-network.ts). The store is
// write-behind (see write-behind-store.ts): no Redis round trip per request,
// exact for small limits such as logins.
// Policy when Redis is down: every limit keeps counting per instance (so across
// N instances a client gets up to N budgets until Redis returns). A limiter that
// rejects everyone because its store is away would turn a cache outage into an
// API outage; one that lets everyone through would invite password guessing.
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import { promClient } from '../metrics.ts'
import { writeBehindStore } from './write-behind-store.ts'
import { clientNetwork } from './client-network.ts'

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
      return userId === undefined ? `ip:${clientNetwork(request.ip)}` : `user:${userId.toHexString()}`
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

  // The agency's budget, counted in the same store (write-behind: no Redis wait per
  // request). createRateLimit, not a second rateLimit hook: the plugin runs one
  // hook per request and skips any after the first.
  const agencyBudget = fastify.createRateLimit({
    max: fastify.config.RATE_LIMIT_AGENCY_MAX,
    timeWindow: fastify.config.RATE_LIMIT_WINDOW_MS,
    keyGenerator: (request) => `agency:${request.auth!.agencyId.toHexString()}`
  })
  fastify.addHook('preHandler', async (request, reply) => {
    if (request.auth == null || request.routeOptions.config.rateLimit === false) return
    const budget = await agencyBudget(request)
    if (budget.isAllowed || !budget.isExceeded) return
    limited.inc({ route: request.routeOptions.url ?? 'unknown' })
    reply.header('ratelimit-limit', budget.max).header('ratelimit-remaining', 0).header('ratelimit-reset', budget.ttlInSeconds).header('retry-after', budget.ttlInSeconds)
    throw Object.assign(
      new Error(`Too many requests from your agency: its users together may send ${budget.max} per window; retry in ${budget.ttlInSeconds} s`),
      { statusCode: 429, code: 'AGENCY_RATE_LIMITED' }
    )
  })
}, { name: 'rate-limit', dependencies: ['redis', 'metrics'] })
