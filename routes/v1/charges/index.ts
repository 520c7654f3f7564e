// Charges: list, get, raise a one-off charge, describe, void (DELETE). Rent and
// deposits are raised by the lease; amounts never change (void and re-raise).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { errors, IdempotencyHeaders, IdParams, Page } from '../../../schemas/common.ts'
import { Charge, ChargeCreate, ChargeListQuery, ChargePatch } from '../../../schemas/charge.ts'
import { presentCharge } from '../../../plugins/app/repositories/charges.ts'
import { toDate } from '../../../plugins/app/repositories/calendar.ts'
import { pageOptions } from '../../../plugins/app/repositories/cursor.ts'
import { chargeEquals } from '../../../plugins/app/repositories/list-filters.ts'

const charges: FastifyPluginAsyncTypebox = async (fastify) => {
  const { repos, money } = fastify

  fastify.get('/', {
    schema: {
      operationId: 'listCharges',
      tags: ['charges'],
      summary: 'List charges, by keyset page',
      description: 'Filters: leaseId, status, leaseId+status, status+overdue. Sorts: dueDate, createdAt (prefix - for descending).',
      querystring: ChargeListQuery,
      response: { 200: Page(Charge), ...errors(400, 401) }
    }
  }, async (request) => {
    const { leaseId, status, overdue, ...page } = request.query
    const result = await repos.charges.list(request.auth.agencyId, {
      equals: chargeEquals({ leaseId, status, overdue }),
      ...pageOptions(page, 'dueDate')
    })
    return { items: result.items.map(presentCharge), nextCursor: result.nextCursor }
  })

  fastify.get('/:id', {
    schema: { operationId: 'getCharge', tags: ['charges'], summary: 'One charge', params: IdParams, response: { 200: Charge, ...errors(400, 401, 404) } }
  }, async (request) => {
    const charge = await repos.charges.findById(request.auth.agencyId, new ObjectId(request.params.id))
    if (charge === null) throw fastify.httpErrors.notFound('No such charge')
    return presentCharge(charge)
  })

  fastify.post('/', {
    schema: {
      operationId: 'createCharge',
      tags: ['charges'],
      summary: 'Raise a one-off charge on a lease (manager); existing credit settles it at once',
      headers: IdempotencyHeaders,
      body: ChargeCreate,
      response: { 201: Charge, ...errors(400, 401, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const { leaseId, dueDate, ...rest } = request.body
    return await fastify.idempotency.created(request, reply, {
      scope: 'charges.create',
      status: 201,
      create: async (id) => presentCharge(await money.raiseCharge(request.auth.agencyId, id, { ...rest, leaseId: new ObjectId(leaseId), dueDate: toDate(dueDate) })),
      location: (charge) => `/v1/charges/${charge.id}`
    })
  })

  fastify.patch('/:id', {
    schema: { operationId: 'updateCharge', tags: ['charges'], summary: 'Change a charge\'s description (manager)', params: IdParams, body: ChargePatch, response: { 200: Charge, ...errors(400, 401, 403, 404, 409) } }
  }, async (request) => presentCharge(await money.describeCharge(request.auth.agencyId, new ObjectId(request.params.id), request.body.description)))

  fastify.delete('/:id', {
    schema: {
      operationId: 'voidCharge',
      tags: ['charges'],
      summary: 'Void a charge (manager); payments it held settle the next open charges or become credit',
      params: IdParams,
      response: { 200: Charge, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => presentCharge(await money.voidCharge(request.auth.agencyId, new ObjectId(request.params.id))))
}

export default charges
