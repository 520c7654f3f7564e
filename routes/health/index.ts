// Liveness (the process answers) and readiness (its required dependencies answer).
// Both bypass rate limiting and load shedding: an orchestrator must always get
// an answer, and readiness reports the shedding itself.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Liveness, Readiness } from '../../schemas/health.ts'
import { requiredUp } from '../../plugins/external/under-pressure/dependency-probes.ts'

const alwaysAnswer = { rateLimit: false, pressureHandler: () => undefined } as const

const health: FastifyPluginAsyncTypebox = async (fastify) => {
  // Draining before a shutdown (server.ts): not ready, whatever the dependencies say, so the
  // load balancer stops sending this instance requests while it still serves them.
  fastify.addHook('preSerialization', async (request, reply, payload: Record<string, unknown>) => {
    if (!fastify.draining.active || request.routeOptions.url !== '/health/ready') return payload
    reply.code(503).header('retry-after', String(fastify.config.PRESSURE_RETRY_AFTER_S))
    return { ...payload, status: 'not-ready', draining: true }
  })

  fastify.get('/live', {
    config: alwaysAnswer,
    logLevel: 'warn',
    schema: { tags: ['health'], summary: 'The process is up', response: { 200: Liveness } }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/ready', {
    config: alwaysAnswer,
    logLevel: 'warn',
    schema: {
      tags: ['health'],
      summary: 'MongoDB and PostgreSQL answer (Redis down is reported as degraded)',
      response: { 200: Readiness, 503: Readiness }
    }
  }, async (_request, reply) => {
    const dependencies = await fastify.probeDependencies()
    const overloaded = fastify.isUnderPressure()
    if (!requiredUp(dependencies) || overloaded) {
      reply.code(503).header('retry-after', String(fastify.config.PRESSURE_RETRY_AFTER_S))
      return { status: 'not-ready' as const, overloaded, dependencies }
    }
    return { status: dependencies.redis.status === 'up' ? 'ready' as const : 'degraded' as const, overloaded, dependencies }
  })
}

export default health
export const autoPrefix = '/health'
