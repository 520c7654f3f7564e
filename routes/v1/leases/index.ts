// Leases: list, get, create (draft, or active at once), update, cancel (DELETE,
// drafts only), activation, termination, and the lease's balance.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { errors, IdempotencyHeaders, IdParams, Page } from '../../../schemas/common.ts'
import { Lease, LeaseCreate, LeaseListQuery, LeasePatch, LeaseTermination } from '../../../schemas/lease.ts'
import { presentLease } from '../../../plugins/app/repositories/leases.ts'
import { toDate } from '../../../plugins/app/repositories/calendar.ts'
import { LeaseBalance } from '../../../schemas/balance.ts'
import { pageOptions } from '../../../plugins/app/repositories/cursor.ts'
import { leaseEquals } from '../../../plugins/app/repositories/list-filters.ts'
import type { LeaseChanges } from '../../../plugins/app/lease-lifecycle.ts'

const leases: FastifyPluginAsyncTypebox = async (fastify) => {
  const { leaseLifecycle, repos, money } = fastify

  fastify.get('/', {
    schema: {
      operationId: 'listLeases',
      tags: ['leases'],
      summary: 'List leases, by keyset page',
      description: 'Filters: status, unitId, propertyId, tenantId, status+propertyId. Sorts: startDate, endDate, createdAt (prefix - for descending).',
      querystring: LeaseListQuery,
      response: { 200: Page(Lease), ...errors(400, 401) }
    }
  }, async (request) => {
    const { status, unitId, propertyId, tenantId, ...page } = request.query
    const result = await repos.leases.list(request.auth.agencyId, {
      equals: leaseEquals({ status, unitId, propertyId, tenantId }),
      ...pageOptions(page, '-startDate')
    })
    return { items: result.items.map(presentLease), nextCursor: result.nextCursor }
  })

  fastify.get('/:id', {
    schema: { operationId: 'getLease', tags: ['leases'], summary: 'One lease', params: IdParams, response: { 200: Lease, ...errors(400, 401, 404) } }
  }, async (request) => {
    const { lease } = await leaseLifecycle.ref(request.auth.agencyId, new ObjectId(request.params.id))
    return presentLease(lease)
  })

  fastify.post('/', {
    schema: {
      operationId: 'createLease',
      tags: ['leases'],
      summary: 'Create a lease (manager): a draft, or active at once with activate: true',
      headers: IdempotencyHeaders,
      body: LeaseCreate,
      response: { 201: Lease, ...errors(400, 401, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const { unitId, tenantIds, startDate, endDate, rent, deposit, dueDay, notes, activate } = request.body
    const start = toDate(startDate)
    const input = {
      unitId: new ObjectId(unitId),
      tenantIds: tenantIds.map((id) => new ObjectId(id)),
      startDate: start,
      endDate: endDate == null ? null : toDate(endDate),
      rent,
      deposit: deposit ?? 0,
      dueDay: dueDay ?? Math.min(start.getUTCDate(), 28),
      notes
    }
    return await fastify.idempotency.created(request, reply, {
      scope: 'leases.create',
      status: 201,
      async create (id) {
        const lease = await leaseLifecycle.create(request.auth, id, input)
        // A resumed create may find its lease activated already.
        return presentLease(activate === true && lease.status === 'draft' ? await leaseLifecycle.activate(request.auth, lease._id) : lease)
      },
      location: (lease) => `/v1/leases/${lease.id}`
    })
  })

  fastify.patch('/:id', {
    schema: {
      operationId: 'updateLease',
      tags: ['leases'],
      summary: 'Change a lease (manager); startDate, deposit and dueDay only while it is a draft',
      params: IdParams,
      body: LeasePatch,
      response: { 200: Lease, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => {
    const { tenantIds, startDate, endDate, ...rest } = request.body
    const changes: LeaseChanges = { ...rest }
    if (tenantIds !== undefined) changes.tenantIds = tenantIds.map((id) => new ObjectId(id))
    if (startDate !== undefined) changes.startDate = toDate(startDate)
    if (endDate !== undefined) changes.endDate = endDate === null ? null : toDate(endDate)
    return presentLease(await leaseLifecycle.update(request.auth, new ObjectId(request.params.id), changes))
  })

  fastify.delete('/:id', {
    schema: {
      operationId: 'cancelLease',
      tags: ['leases'],
      summary: 'Cancel a draft lease (manager); an active lease is terminated instead',
      params: IdParams,
      response: { 200: Lease, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => presentLease(await leaseLifecycle.cancel(request.auth, new ObjectId(request.params.id))))

  fastify.post('/:id/activation', {
    schema: {
      operationId: 'activateLease',
      tags: ['leases'],
      summary: 'Activate a draft lease (manager): claims the unit, schedules rent, raises the deposit',
      params: IdParams,
      response: { 200: Lease, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => presentLease(await leaseLifecycle.activate(request.auth, new ObjectId(request.params.id))))

  fastify.post('/:id/termination', {
    schema: {
      operationId: 'terminateLease',
      tags: ['leases'],
      summary: 'Terminate an active lease (manager) on a date (default today): frees the unit, stops rent',
      params: IdParams,
      body: LeaseTermination,
      response: { 200: Lease, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => {
    const endDate = request.body.endDate === undefined ? toDate(new Date().toISOString().slice(0, 10)) : toDate(request.body.endDate)
    return presentLease(await leaseLifecycle.terminate(request.auth, new ObjectId(request.params.id), endDate, request.body.reason))
  })

  fastify.get('/:id/balance', {
    schema: {
      operationId: 'getLeaseBalance',
      tags: ['leases'],
      summary: 'What the lease owes: totals, credit and aging buckets',
      params: IdParams,
      response: { 200: LeaseBalance, ...errors(400, 401, 404) }
    }
  }, async (request) => {
    const now = new Date()
    const agency = await repos.agencies.findById(request.auth.agencyId)
    const figures = await money.leaseBalance(request.auth.agencyId, new ObjectId(request.params.id), now)
    return { leaseId: request.params.id, currency: agency?.currency ?? 'USD', ...figures, asOf: now.toISOString() }
  })
}

export default leases
