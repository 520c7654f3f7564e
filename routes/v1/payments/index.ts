// Payments: list, get, record (with Idempotency-Key), amend method/reference,
// and reverse. Amounts never change: reverse and record again.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { errors, IdempotencyHeaders, IdParams, Page } from '../../../schemas/common.ts'
import { Payment, PaymentCreate, PaymentListQuery, PaymentPatch, PaymentReversal } from '../../../schemas/payment.ts'
import { presentPayment } from '../../../plugins/app/repositories/payments.ts'
import { pageOptions } from '../../../plugins/app/repositories/cursor.ts'
import { paymentEquals } from '../../../plugins/app/repositories/list-filters.ts'

const payments: FastifyPluginAsyncTypebox = async (fastify) => {
  const { repos, money, idempotency } = fastify

  fastify.get('/', {
    schema: {
      operationId: 'listPayments',
      tags: ['payments'],
      summary: 'List payments, by keyset page',
      description: 'Filters: leaseId, status, leaseId+status. Sorts: receivedAt, createdAt (prefix - for descending).',
      querystring: PaymentListQuery,
      response: { 200: Page(Payment), ...errors(400, 401) }
    }
  }, async (request) => {
    const { leaseId, status, ...page } = request.query
    const result = await repos.payments.list(request.auth.agencyId, {
      equals: paymentEquals({ leaseId, status }),
      ...pageOptions(page, '-receivedAt')
    })
    return { items: result.items.map(presentPayment), nextCursor: result.nextCursor }
  })

  fastify.get('/:id', {
    schema: { operationId: 'getPayment', tags: ['payments'], summary: 'One payment', params: IdParams, response: { 200: Payment, ...errors(400, 401, 404) } }
  }, async (request) => {
    const payment = await repos.payments.findById(request.auth.agencyId, new ObjectId(request.params.id))
    if (payment === null) throw fastify.httpErrors.notFound('No such payment')
    return presentPayment(payment)
  })

  fastify.post('/', {
    schema: {
      operationId: 'createPayment',
      tags: ['payments'],
      summary: 'Record a payment (manager); it settles the lease\'s oldest open charges, the rest is credit',
      description: 'Send an Idempotency-Key header to make retries safe: a replay answers the first response (with Idempotent-Replayed: true), concurrent duplicates record one payment, and the same key with a different body answers 422.',
      headers: IdempotencyHeaders,
      body: PaymentCreate,
      response: { 201: Payment, ...errors(400, 401, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const { leaseId, receivedAt, reference, ...rest } = request.body
    const input = { ...rest, leaseId: new ObjectId(leaseId), receivedAt: receivedAt === undefined ? new Date() : new Date(receivedAt), reference: reference ?? null }
    return await idempotency.created(request, reply, {
      scope: 'payments.create',
      status: 201,
      prepare: () => money.preparePayment(request.auth.agencyId, input),
      create: async (paymentId, prepared) => presentPayment(await money.recordPayment(prepared, paymentId)),
      location: (payment) => `/v1/payments/${payment.id}`
    })
  })

  fastify.patch('/:id', {
    schema: { operationId: 'updatePayment', tags: ['payments'], summary: 'Change a payment\'s method or reference (manager)', params: IdParams, body: PaymentPatch, response: { 200: Payment, ...errors(400, 401, 403, 404, 409) } }
  }, async (request) => presentPayment(await money.amendPayment(request.auth.agencyId, new ObjectId(request.params.id), request.body)))

  fastify.post('/:id/reversal', {
    schema: {
      operationId: 'reversePayment',
      tags: ['payments'],
      summary: 'Reverse a payment (manager): its charges reopen or take other payments\' credit; repeating is harmless',
      params: IdParams,
      body: PaymentReversal,
      response: { 200: Payment, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => presentPayment(await money.reversePayment(request.auth.agencyId, new ObjectId(request.params.id), request.body.reason)))
}

export default payments
