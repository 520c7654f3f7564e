// GET /ops/indexes: per collection, the indexes declared in migrations/mongo
// against those present, their use ($indexStats), unused, missing and undeclared ones.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Indexes } from '../../../schemas/ops.ts'

const indexes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: { summary: 'Declared MongoDB indexes against the database, with their use', response: { 200: Indexes } }
  }, async () => await fastify.opsReport.indexes())
}

export default indexes
