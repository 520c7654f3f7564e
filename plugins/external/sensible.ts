// HTTP error helpers (fastify.httpErrors, reply.notFound…) used by routes.
import fp from 'fastify-plugin'
import sensible from '@fastify/sensible'

export default fp(async function httpHelpers (fastify) {
  await fastify.register(sensible)
}, { name: 'sensible' })
