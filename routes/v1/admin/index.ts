// Operational views for agency administrators. The cache statistics are this
// instance's (every instance keeps its own): no agency data, only rates.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import os from 'node:os'
import { errors } from '../../../schemas/common.ts'

const Window = Type.Object({
  requests: Type.Integer(), hit: Type.Integer(), stale: Type.Integer(), miss: Type.Integer(), coalesced: Type.Integer(), bypass: Type.Integer(),
  hitRate: Type.Union([Type.Number(), Type.Null()], { description: '(hit + stale) / requests' })
})

const CacheStats = Type.Object({
  instance: Type.String(),
  redisBreaker: Type.Enum(['closed', 'open', 'half-open'], { description: 'open: the cache is bypassing Redis' }),
  caches: Type.Array(Type.Object({ cache: Type.String(), windows: Type.Object({ '1m': Window, '5m': Window, '15m': Window }) }))
})

const admin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/cache-stats', {
    // Like /metrics, it must answer while the instance sheds load: that is when it is read.
    config: { minRole: 'admin', pressureHandler: () => undefined },
    schema: { tags: ['admin'], summary: 'Hit rates of this instance\'s caches over the last 1, 5 and 15 minutes (admin)', response: { 200: CacheStats, ...errors(401, 403) } }
  }, async () => ({
    instance: `${os.hostname()}:${process.pid}`,
    redisBreaker: fastify.dashboardCache.breakerState(),
    caches: fastify.dashboardCache.stats() as never
  }))
}

export default admin
