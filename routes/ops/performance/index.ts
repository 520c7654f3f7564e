// GET /ops/performance?window=5m|1h|24h|7d: the performance report over every
// instance (see plugins/app/ops-report).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PerformanceQuery, PerformanceReport } from '../../../schemas/ops.ts'

const performance: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: {
      summary: 'Per route, query shape, cache, job task, process and agency, over every instance; alerts from Prometheus',
      querystring: PerformanceQuery,
      response: { 200: PerformanceReport }
    }
  }, async (request) => await fastify.opsReport.generate(request.query.window))
}

export default performance
