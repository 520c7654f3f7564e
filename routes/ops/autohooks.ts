// Hooks for every route under /ops/: the platform operator's views, which span
// every agency. Only the operator's token opens them; anyone else, an agency's
// admin included, gets the answer of a route that does not exist. They answer
// the operator while the instance sheds load (that is when they are read), and
// nothing of them is cached on the way.
import type { FastifyInstance } from 'fastify'

export default async function opsHooks (fastify: FastifyInstance): Promise<void> {
  // Left out of the public OpenAPI document too: /docs must not list them (README documents them).
  fastify.addHook('onRoute', (route) => {
    route.config = { ...route.config, operatorOnly: true }
    route.schema = { ...route.schema, hide: true }
  })
  fastify.addHook('onRequest', fastify.operatorOnly)
  fastify.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })
}
