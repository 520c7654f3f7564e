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
  }, async (request, reply) => {
    const probed = await fastify.probeDependencies()
    const dependencies = fastify.isOperator(request) ? probed : withoutDetails(probed)
    const overloaded = fastify.isUnderPressure()
    if (!requiredUp(probed) || overloaded) {
      reply.code(503).header('retry-after', String(fastify.config.PRESSURE_RETRY_AFTER_S))
      return { status: 'not-ready' as const, overloaded, dependencies }
    }
    return { status: probed.redis.status === 'up' ? 'ready' as const : 'degraded' as const, overloaded, dependencies }
  })
}

export default health
export const autoPrefix = '/health'
