// GET /ops/pools: MongoDB, PostgreSQL and Redis connections of this instance,
// and MongoDB pool waits over the last hour for every instance.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Pools } from '../../../schemas/ops.ts'

const pools: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: { summary: 'Connection pools now, and MongoDB pool waits over the last hour', response: { 200: Pools } }
  }, async () => await fastify.opsReport.pools())
}

export default pools
