// Properties: list, get, create, update, archive (DELETE keeps the history).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ObjectId } from 'mongodb'
import { errors, IdempotencyHeaders, IdParams, Page } from '../../../schemas/common.ts'
import { Property, PropertyCreate, PropertyListQuery, PropertyPatch } from '../../../schemas/property.ts'
import { presentProperty } from '../../../plugins/app/repositories/properties.ts'
import { pageOptions } from '../../../plugins/app/repositories/cursor.ts'
import { propertyEquals } from '../../../plugins/app/repositories/list-filters.ts'
import { codedError } from '../../../plugins/app/error-handler.ts'

const properties: FastifyPluginAsyncTypebox = async (fastify) => {
  const repo = fastify.repos.properties
  const notFound = () => fastify.httpErrors.notFound('No such property')

  fastify.get('/', {
    schema: {
      operationId: 'listProperties',
      tags: ['properties'],
      summary: 'List properties (current by default), by keyset page',
      description: 'Filters: archived, city. Sorts: name, createdAt, updatedAt (prefix - for descending). updatedSince lists changes oldest first, archived included.',
      querystring: PropertyListQuery,
      response: { 200: Page(Property), ...errors(400, 401) }
    }
  }, async (request) => {
    const { archived, city, ...page } = request.query
    const result = await repo.list(request.auth.agencyId, {
      equals: propertyEquals({ archived, city }),
      ...pageOptions(page, 'name')
    })
    return { items: result.items.map(presentProperty), nextCursor: result.nextCursor }
  })

  fastify.get('/:id', {
    schema: { operationId: 'getProperty', tags: ['properties'], summary: 'One property', params: IdParams, response: { 200: Property, ...errors(400, 401, 404) } }
  }, async (request) => {
    const record = await repo.findById(request.auth.agencyId, new ObjectId(request.params.id))
    if (record === null) throw notFound()
    return presentProperty(record)
  })

  fastify.post('/', {
    schema: { operationId: 'createProperty', tags: ['properties'], summary: 'Create a property (manager)', headers: IdempotencyHeaders, body: PropertyCreate, response: { 201: Property, ...errors(400, 401, 403, 422) } }
  }, async (request, reply) => fastify.idempotency.created(request, reply, {
    scope: 'properties.create',
    status: 201,
    create: async (id) => presentProperty(await repo.create(request.auth.agencyId, id, request.body)),
    location: (property) => `/v1/properties/${property.id}`
  }))

  fastify.patch('/:id', {
    schema: { operationId: 'updateProperty', tags: ['properties'], summary: 'Change a property (manager)', params: IdParams, body: PropertyPatch, response: { 200: Property, ...errors(400, 401, 403, 404) } }
  }, async (request) => {
    const record = await repo.update(request.auth.agencyId, new ObjectId(request.params.id), request.body)
    if (record === null) throw notFound()
    return presentProperty(record)
  })

  fastify.delete('/:id', {
    schema: { operationId: 'archiveProperty', tags: ['properties'], summary: 'Archive a property (manager); it stays readable', description: 'A property with current units answers 409 PROPERTY_HAS_UNITS: archive its units first.', params: IdParams, response: { 200: Property, ...errors(400, 401, 403, 404, 409) } }
  }, async (request) => {
    const id = new ObjectId(request.params.id)
    const currentUnits = await fastify.repos.units.countCurrentInProperty(request.auth.agencyId, id)
    if (currentUnits > 0) throw codedError(409, 'PROPERTY_HAS_UNITS', `The property has ${currentUnits} current unit(s); archive them first`)
    const record = await repo.archive(request.auth.agencyId, id)
    if (record === null) throw notFound()
    return presentProperty(record)
  })
}

export default properties
