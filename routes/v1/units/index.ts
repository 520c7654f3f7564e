// Units: list, get, create, update, archive (DELETE keeps the history).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { codedError } from '../../../plugins/app/error-handler.ts'
import { errors, IdempotencyHeaders, IdParams, Page } from '../../../schemas/common.ts'
import { Unit, UnitCreate, UnitListQuery, UnitPatch } from '../../../schemas/unit.ts'
import { presentUnit } from '../../../plugins/app/repositories/units.ts'
import { pageOptions } from '../../../plugins/app/repositories/cursor.ts'
import { unitEquals } from '../../../plugins/app/repositories/list-filters.ts'

const units: FastifyPluginAsyncTypebox = async (fastify) => {
  const repo = fastify.repos.units
  const notFound = () => fastify.httpErrors.notFound('No such unit')

  fastify.get('/', {
    schema: {
      operationId: 'listUnits',
      tags: ['units'],
      summary: 'List units (current by default), by keyset page',
      description: 'Filters: archived, propertyId, status (propertyId and status together too). Sorts: label, createdAt, updatedAt, marketRent (prefix - for descending). updatedSince lists changes oldest first, archived included.',
      querystring: UnitListQuery,
      response: { 200: Page(Unit), ...errors(400, 401) }
    }
  }, async (request) => {
    const { archived, propertyId, status, ...page } = request.query
    const result = await repo.list(request.auth.agencyId, {
      equals: unitEquals({ archived, propertyId, status }),
      ...pageOptions(page, 'label')
    })
    return { items: result.items.map(presentUnit), nextCursor: result.nextCursor }
  })

  fastify.get('/:id', {
    schema: { operationId: 'getUnit', tags: ['units'], summary: 'One unit', params: IdParams, response: { 200: Unit, ...errors(400, 401, 404) } }
  }, async (request) => {
    const record = await repo.findById(request.auth.agencyId, new ObjectId(request.params.id))
    if (record === null) throw notFound()
    return presentUnit(record)
  })

  fastify.post('/', {
    schema: {
      operationId: 'createUnit',
      tags: ['units'],
      summary: 'Create a unit in a current property (manager)',
      description: 'A label already used in the property answers 409 UNIT_LABEL_TAKEN.',
      headers: IdempotencyHeaders,
      body: UnitCreate,
      response: { 201: Unit, ...errors(400, 401, 403, 404, 409, 422) }
    }
  }, async (request, reply) => {
    const { agencyId } = request.auth
    const propertyId = new ObjectId(request.body.propertyId)
    return await fastify.idempotency.created(request, reply, {
      scope: 'units.create',
      status: 201,
      prepare: () => fastify.repos.properties.findById(agencyId, propertyId),
      create: async (id, property) => {
        if (property === null || property.archived) throw fastify.httpErrors.notFound(`No current property ${request.body.propertyId} in this agency`)
        return presentUnit(await repo.create(agencyId, id, { ...request.body, propertyId }))
      },
      location: (unit) => `/v1/units/${unit.id}`
    })
  })

  fastify.patch('/:id', {
    schema: {
      operationId: 'updateUnit',
      tags: ['units'],
      summary: 'Change a unit (manager); its property cannot change',
      params: IdParams,
      body: UnitPatch,
      response: { 200: Unit, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => {
    const record = await repo.update(request.auth.agencyId, new ObjectId(request.params.id), request.body)
    if (record === null) throw notFound()
    return presentUnit(record)
  })

  fastify.delete('/:id', {
    schema: { operationId: 'archiveUnit', tags: ['units'], summary: 'Archive a unit (manager); it stays readable. A unit with an active lease is not archived', params: IdParams, response: { 200: Unit, ...errors(400, 401, 403, 404, 409) } }
  }, async (request) => {
    const unitId = new ObjectId(request.params.id)
    if (await fastify.repos.leases.activeOnUnit(request.auth.agencyId, unitId) !== null) {
      throw codedError(409, 'UNIT_HAS_ACTIVE_LEASE', 'This unit has an active lease; terminate it before archiving the unit')
    }
    const record = await repo.archive(request.auth.agencyId, unitId)
    if (record === null) throw notFound()
    return presentUnit(record)
  })
}

export default units
