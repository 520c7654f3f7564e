// The platform operator's door: `Authorization: Bearer <OPS_TOKEN>`, a credential
// of its own, independent of agency logins (an agency's token never opens it).
// Anyone else gets exactly the answer of a route that does not exist, so /ops/
// and /metrics cannot even be discovered. Why not @fastify/bearer-auth: it
// answers 401 (which tells a prober the route is there) and logs each refusal
// at error level.
import fp from 'fastify-plugin'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    /** true when the request carries the operator's token */
    isOperator: (request: FastifyRequest) => boolean
    /** onRequest hook: anyone but the operator gets the not-found answer */
    operatorOnly: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>
  }
  interface FastifyContextConfig {
    /** an operator's route: load shedding lets the operator through (see under-pressure) */
    operatorOnly?: boolean
  }
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i
// Digests of equal length, so the comparison's time says nothing about the token, not even its length.
const digest = (value: string) => createHash('sha256').update(value).digest()

export default fp(async function operatorAuth (fastify) {
  const token = fastify.config.OPS_TOKEN
  const expected = digest(token)

  const isOperator = (request: FastifyRequest): boolean => {
    const presented = BEARER.exec(request.headers.authorization ?? '')?.[1]
    if (token === '' || presented === undefined) return false
    return timingSafeEqual(digest(presented), expected)
  }
  fastify.decorate('isOperator', isOperator)
  fastify.decorate('operatorOnly', async (request: FastifyRequest, reply: FastifyReply) => {
    if (isOperator(request)) return
    reply.callNotFound()
    return reply
  })
}, { name: 'operator-auth' })
