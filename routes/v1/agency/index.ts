// The caller's own agency: its settings (name, currency, time zone).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Agency, AgencyPatch } from '../../../schemas/agency.ts'
import { presentAgency } from '../../../plugins/app/repositories/agencies.ts'
import { errors } from '../../../schemas/common.ts'

const agency: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: { operationId: 'getAgency', tags: ['agency'], summary: 'The caller\'s agency', response: { 200: Agency, ...errors(401, 404) } }
  }, async (request) => {
    const record = await fastify.repos.agencies.findById(request.auth.agencyId)
    if (record === null) throw fastify.httpErrors.notFound('Agency not found')
    return presentAgency(record)
  })

  fastify.patch('/', {
    config: { minRole: 'admin' },
    schema: { operationId: 'updateAgency', tags: ['agency'], summary: 'Change the agency\'s settings (admin)', body: AgencyPatch, response: { 200: Agency, ...errors(400, 401, 403, 404) } }
  }, async (request) => {
    const record = await fastify.repos.agencies.update(request.auth.agencyId, request.body)
    if (record === null) throw fastify.httpErrors.notFound('Agency not found')
    return presentAgency(record)
  })
}

export default agency
