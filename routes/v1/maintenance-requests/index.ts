// Maintenance requests: list, get, create, update, archive (DELETE keeps the history).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { errors, IdempotencyHeaders, IdParams, Page } from '../../../schemas/common.ts'
import { MaintenanceRequest, MaintenanceRequestCreate, MaintenanceRequestListQuery, MaintenanceRequestPatch } from '../../../schemas/maintenance-request.ts'
import { pageOptions } from '../../../plugins/app/repositories/cursor.ts'
import { maintenanceEquals, maintenanceSort } from '../../../plugins/app/repositories/list-filters.ts'
import { presentMaintenanceRequest, type MaintenanceRequestChanges } from '../../../plugins/app/repositories/maintenance-requests.ts'
import { codedError } from '../../../plugins/app/error-handler.ts'
import { hasRole } from '../../../plugins/app/tenancy.ts'

const TAGS = ['maintenance-requests']

/** An optional reference: absent or null means none. */
function idOrNull (hex: string | null | undefined): ObjectId | null {
  return typeof hex === 'string' ? new ObjectId(hex) : null
}

const maintenanceRequests: FastifyPluginAsyncTypebox = async (fastify) => {
  const { repos } = fastify
  const repo = repos.maintenanceRequests
  const notFound = () => fastify.httpErrors.notFound('No such maintenance request')

  // Ids a body refers to must be the caller's agency's; a missing one answers 404 naming it.
  async function checkProperty (agencyId: ObjectId, propertyId: ObjectId): Promise<void> {
    const property = await repos.properties.findById(agencyId, propertyId)
    if (property === null || property.archived) throw fastify.httpErrors.notFound(`No current property ${propertyId.toHexString()} in this agency`)
  }
  async function checkUnit (agencyId: ObjectId, propertyId: ObjectId, unitId: ObjectId): Promise<void> {
    const unit = await repos.units.findById(agencyId, unitId)
    if (unit === null || unit.archived || !unit.propertyId.equals(propertyId)) {
      throw fastify.httpErrors.notFound(`No current unit ${unitId.toHexString()} in property ${propertyId.toHexString()}`)
    }
  }
  async function checkTenant (agencyId: ObjectId, tenantId: ObjectId): Promise<void> {
    if (await repos.tenants.findById(agencyId, tenantId) === null) throw fastify.httpErrors.notFound(`No tenant ${tenantId.toHexString()} in this agency`)
  }
  async function checkAssignee (agencyId: ObjectId, userId: ObjectId): Promise<void> {
    const user = await repos.users.findById(agencyId, userId)
    if (user === null) throw fastify.httpErrors.notFound(`No user ${userId.toHexString()} in this agency`)
    if (user.status !== 'active' || !hasRole(user.role, 'manager')) {
      throw codedError(409, 'ASSIGNEE_NOT_ELIGIBLE', `User ${userId.toHexString()} cannot take requests: assign an active manager, admin or owner`)
    }
  }

  fastify.get('/', {
    schema: {
      operationId: 'listMaintenanceRequests',
      tags: TAGS,
      summary: 'List maintenance requests (current by default), by keyset page',
      description: 'Filters: archived, status, priority, propertyId, assigneeId (one at a time, or status with priority). Sorts: reportedAt, priority (urgent first), updatedAt (prefix - for descending). updatedSince lists changes oldest first, archived included.',
      querystring: MaintenanceRequestListQuery,
      response: { 200: Page(MaintenanceRequest), ...errors(400, 401) }
    }
  }, async (request) => {
    const { archived, status, priority, propertyId, assigneeId, ...page } = request.query
    const result = await repo.list(request.auth.agencyId, {
      equals: maintenanceEquals({ archived, status, priority, propertyId, assigneeId }),
      ...pageOptions(page, '-reportedAt'),
      sort: maintenanceSort(page.sort ?? '-reportedAt')
    })
    return { items: result.items.map(presentMaintenanceRequest), nextCursor: result.nextCursor }
  })

  fastify.get('/:id', {
    schema: { operationId: 'getMaintenanceRequest', tags: TAGS, summary: 'One maintenance request', params: IdParams, response: { 200: MaintenanceRequest, ...errors(400, 401, 404) } }
  }, async (request) => {
    const record = await repo.findById(request.auth.agencyId, new ObjectId(request.params.id))
    if (record === null) throw notFound()
    return presentMaintenanceRequest(record)
  })

  fastify.post('/', {
    schema: {
      operationId: 'createMaintenanceRequest',
      tags: TAGS,
      summary: 'Report a maintenance request (manager)',
      description: 'propertyId: a current property; unitId: a current unit of it; tenantId: a tenant of the agency; assigneeId: an active user with the manager role or higher (else 409 ASSIGNEE_NOT_ELIGIBLE). reportedAt defaults to now and may not be in the future.',
      headers: IdempotencyHeaders,
      body: MaintenanceRequestCreate,
      response: { 201: MaintenanceRequest, ...errors(400, 401, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const { agencyId } = request.auth
    const body = request.body
    const reportedAt = body.reportedAt === undefined ? new Date() : new Date(body.reportedAt)
    if (reportedAt.getTime() > Date.now()) throw codedError(400, 'VALIDATION_ERROR', 'reportedAt must not be in the future')
    const propertyId = new ObjectId(body.propertyId)
    const unitId = idOrNull(body.unitId)
    const tenantId = idOrNull(body.tenantId)
    const assigneeId = idOrNull(body.assigneeId)
    return await fastify.idempotency.created(request, reply, {
      scope: 'maintenance-requests.create',
      status: 201,
      async create (id) {
        await checkProperty(agencyId, propertyId)
        if (unitId !== null) await checkUnit(agencyId, propertyId, unitId)
        if (tenantId !== null) await checkTenant(agencyId, tenantId)
        if (assigneeId !== null) await checkAssignee(agencyId, assigneeId)
        return presentMaintenanceRequest(await repo.create(agencyId, id, {
          propertyId,
          unitId,
          tenantId,
          title: body.title,
          description: body.description,
          priority: body.priority ?? 'normal',
          status: body.status ?? 'open',
          assigneeId,
          reportedAt
        }))
      },
      location: (maintenanceRequest) => `/v1/maintenance-requests/${maintenanceRequest.id}`
    })
  })

  fastify.patch('/:id', {
    schema: {
      operationId: 'updateMaintenanceRequest',
      tags: TAGS,
      summary: 'Change a maintenance request (manager); its property and reportedAt are fixed',
      description: 'Moving to resolved stamps resolvedAt (kept if it was already resolved); any other status clears it. null removes the unit, tenant or assignee.',
      params: IdParams,
      body: MaintenanceRequestPatch,
      response: { 200: MaintenanceRequest, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => {
    const { agencyId } = request.auth
    const id = new ObjectId(request.params.id)
    const { unitId, tenantId, assigneeId, ...rest } = request.body
    const changes: MaintenanceRequestChanges = { ...rest }
    // Only the ids given are set (null removes one); undefined must not reach $set.
    if (unitId !== undefined) changes.unitId = idOrNull(unitId)
    if (tenantId !== undefined) changes.tenantId = idOrNull(tenantId)
    if (assigneeId !== undefined) changes.assigneeId = idOrNull(assigneeId)
    if (changes.unitId != null || changes.tenantId != null || changes.assigneeId != null) {
      // The request first: another agency's id answers 404 for the request, not for what it names.
      const current = await repo.findById(agencyId, id)
      if (current === null) throw notFound()
      if (changes.unitId != null) await checkUnit(agencyId, current.propertyId, changes.unitId)
      if (changes.tenantId != null) await checkTenant(agencyId, changes.tenantId)
      if (changes.assigneeId != null) await checkAssignee(agencyId, changes.assigneeId)
    }

    const record = await repo.update(agencyId, id, changes)
    if (record === null) throw notFound()
    return presentMaintenanceRequest(record)
  })

  fastify.delete('/:id', {
    schema: { operationId: 'archiveMaintenanceRequest', tags: TAGS, summary: 'Archive a maintenance request (manager); it stays readable', params: IdParams, response: { 200: MaintenanceRequest, ...errors(400, 401, 403, 404) } }
  }, async (request) => {
    const record = await repo.archive(request.auth.agencyId, new ObjectId(request.params.id))
    if (record === null) throw notFound()
    return presentMaintenanceRequest(record)
  })
}

export default maintenanceRequests
