// Tenants (the renters): list, get, create, update, archive (DELETE keeps the
// history leases refer to). Emails are stored and matched lowercase.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { errors, IdempotencyHeaders, IdParams, Page } from '../../../schemas/common.ts'
import { Tenant, TenantCreate, TenantListQuery, TenantPatch } from '../../../schemas/tenant.ts'
import { presentTenant } from '../../../plugins/app/repositories/tenants.ts'
import { pageOptions } from '../../../plugins/app/repositories/cursor.ts'
import { tenantEquals } from '../../../plugins/app/repositories/list-filters.ts'
import { normaliseEmail } from '../../../plugins/app/sessions.ts'
import { TenantBalance } from '../../../schemas/balance.ts'

const tenants: FastifyPluginAsyncTypebox = async (fastify) => {
  const repo = fastify.repos.tenants
  const notFound = () => fastify.httpErrors.notFound('No such tenant')

  fastify.get('/', {
    schema: {
      operationId: 'listTenants',
      tags: ['tenants'],
      summary: 'List tenants (current by default), by keyset page',
      description: 'Filters: archived, email (exact, any case). Sorts: lastName, createdAt, updatedAt (prefix - for descending). updatedSince lists changes oldest first, archived included.',
      querystring: TenantListQuery,
      response: { 200: Page(Tenant), ...errors(400, 401) }
    }
  }, async (request) => {
    const { archived, email, ...page } = request.query
    const result = await repo.list(request.auth.agencyId, {
      equals: tenantEquals({ archived, email }),
      ...pageOptions(page, 'lastName')
    })
    return { items: result.items.map(presentTenant), nextCursor: result.nextCursor }
  })

  fastify.get('/:id', {
    schema: { operationId: 'getTenant', tags: ['tenants'], summary: 'One tenant', params: IdParams, response: { 200: Tenant, ...errors(400, 401, 404) } }
  }, async (request) => {
    const record = await repo.findById(request.auth.agencyId, new ObjectId(request.params.id))
    if (record === null) throw notFound()
    return presentTenant(record)
  })

  fastify.get('/:id/balance', {
    schema: {
      operationId: 'getTenantBalance',
      tags: ['tenants'],
      summary: 'What the tenant owes across their leases: totals, credit and aging buckets',
      params: IdParams,
      response: { 200: TenantBalance, ...errors(400, 401, 404) }
    }
  }, async (request) => {
    const { agencyId } = request.auth
    const tenant = await repo.findById(agencyId, new ObjectId(request.params.id))
    if (tenant === null) throw notFound()
    const now = new Date()
    const [agency, leases] = await Promise.all([fastify.repos.agencies.findById(agencyId), fastify.repos.leases.forTenant(agencyId, tenant._id)])
    const figures = await fastify.money.leasesBalance(agencyId, leases.map((lease) => lease._id), now)
    return { tenantId: request.params.id, leaseIds: leases.map((lease) => lease._id.toHexString()), currency: agency?.currency ?? 'USD', ...figures, asOf: now.toISOString() }
  })

  fastify.post('/', {
    schema: { operationId: 'createTenant', tags: ['tenants'], summary: 'Create a tenant (manager)', headers: IdempotencyHeaders, body: TenantCreate, response: { 201: Tenant, ...errors(400, 401, 403, 422) } }
  }, async (request, reply) => {
    const { email, ...rest } = request.body
    return await fastify.idempotency.created(request, reply, {
      scope: 'tenants.create',
      status: 201,
      create: async (id) => presentTenant(await repo.create(request.auth.agencyId, id, { ...rest, ...(email !== undefined ? { email: normaliseEmail(email) } : {}) })),
      location: (tenant) => `/v1/tenants/${tenant.id}`
    })
  })

  fastify.patch('/:id', {
    schema: {
      operationId: 'updateTenant',
      tags: ['tenants'],
      summary: 'Change a tenant (manager); null removes email, phone, dateOfBirth or notes',
      params: IdParams,
      body: TenantPatch,
      response: { 200: Tenant, ...errors(400, 401, 403, 404) }
    }
  }, async (request) => {
    const { email, ...rest } = request.body
    const change = email === undefined || email === null ? request.body : { ...rest, email: normaliseEmail(email) }
    const record = await repo.update(request.auth.agencyId, new ObjectId(request.params.id), change)
    if (record === null) throw notFound()
    return presentTenant(record)
  })

  fastify.delete('/:id', {
    schema: { operationId: 'archiveTenant', tags: ['tenants'], summary: 'Archive a tenant (manager); they stay readable', params: IdParams, response: { 200: Tenant, ...errors(400, 401, 403, 404) } }
  }, async (request) => {
    const record = await repo.archive(request.auth.agencyId, new ObjectId(request.params.id))
    if (record === null) throw notFound()
    return presentTenant(record)
  })
}

export default tenants
