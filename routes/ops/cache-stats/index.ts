// This instance's cache hit rates over the last 1, 5 and 15 minutes (every
// instance keeps its own; the performance report has them for all instances).
// Instance-wide figures, so the operator's: an agency admin never saw only their
// own agency here, which is why this left /v1/admin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { CacheStats } from '../../../schemas/ops.ts'

const cacheStats: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: { summary: 'Hit rates of this instance\'s caches over the last 1, 5 and 15 minutes', response: { 200: CacheStats } }
  }, async () => ({
    instance: fastify.opsReport.instance,
    redisBreaker: fastify.dashboardCache.breakerState(),
    caches: fastify.dashboardCache.stats() as never
  }))
}

export default cacheStats
