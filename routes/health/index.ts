// Liveness (the process answers) and readiness (its required dependencies answer).
// Both bypass rate limiting and load shedding: an orchestrator must always get
// an answer, and readiness reports the shedding itself. Readiness answers from
// the dependency probes shared by every caller (at most one round a second), and
// only the operator sees their latencies and errors (which name hosts and ports).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Liveness, Readiness } from '../../schemas/health.ts'
import { requiredUp, type DependencyName, type ProbeReport, type ProbeResult } from '../../plugins/external/under-pressure/dependency-probes.ts'

function withoutDetails (report: ProbeReport): Record<DependencyName, Pick<ProbeResult, 'status' | 'required'>> {
  const brief = ({ status, required }: ProbeResult) => ({ status, required })
  return { mongodb: brief(report.mongodb), postgres: brief(report.postgres), redis: brief(report.redis) }
}

const alwaysAnswer = { rateLimit: false, pressureHandler: () => undefined } as const

const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/live', {
    config: alwaysAnswer,
    logLevel: 'warn',
    schema: { operationId: 'getLiveness', tags: ['health'], summary: 'The process is up', response: { 200: Liveness } }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/ready', {
    config: alwaysAnswer,
    logLevel: 'warn',
    schema: {
      operationId: 'getReadiness',
      tags: ['health'],
      summary: 'The dependencies this role needs answer (MongoDB; PostgreSQL on a worker); one it can do without being down is reported as degraded',
      response: { 200: Readiness, 503: Readiness }
    }
  }, async (request, reply) => {
    const probed = await fastify.probeDependencies()
    const dependencies = fastify.isOperator(request) ? probed : withoutDetails(probed)
    const overloaded = fastify.isUnderPressure()
    // Draining before a shutdown (server.ts): not ready, whatever the dependencies say, so the
    // load balancer stops sending this instance requests while it still serves them.
    const draining = fastify.draining.active
    if (!requiredUp(probed) || overloaded || draining) {
      reply.code(503).header('retry-after', String(fastify.config.PRESSURE_RETRY_AFTER_S))
      return { status: 'not-ready' as const, overloaded, ...(draining ? { draining } : {}), dependencies }
    }
    // A dependency this role can do without (Redis; PostgreSQL on an API instance) is down: degraded.
    const allUp = Object.values(probed).every((result) => result.status === 'up')
    return { status: allUp ? 'ready' as const : 'degraded' as const, overloaded, dependencies }
  })
}

export default health
export const autoPrefix = '/health'
