// The agency's dashboard: served from the cache as an already-serialized body
// with its ETag (a client polling an unchanged dashboard gets a 304).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../schemas/common.ts'
import { Dashboard, DashboardQuery } from '../../../schemas/dashboard.ts'

const dashboard: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: {
      operationId: 'getDashboard',
      tags: ['dashboard'],
      summary: 'The agency at a glance: portfolio, leases, rent, arrears, 12 months, maintenance, latest payments',
      description: 'Widgets to include with include= (default all, in any order); the month with period= (default the current one, UTC), from the agency\'s first month with money to its last or the current one, else 400 PERIOD_OUT_OF_RANGE. Figures as of now: occupancy, expiring leases, aging, open maintenance.',
      querystring: DashboardQuery,
      response: { 200: Dashboard, ...errors(400, 401, 429) }
    }
  }, async (request, reply) => {
    const cached = await fastify.dashboard.get(request.auth.agencyId, request.query)
    return reply.header('etag', cached.etag).type('application/json; charset=utf-8').send(cached.body)
  })
}

export default dashboard
