// Who is calling, for which agency, with which role. The agency comes from the
// verified access token only, never from the body, the query or a header.
// Routes are protected by default: a route opts out with config.public, and
// writes need the manager role unless the route asks for another (config.minRole).
import fp from 'fastify-plugin'
import { ObjectId } from 'mongodb'
import type { FastifyRequest } from 'fastify'
import type { Role } from './repositories/users.ts'
import type { AccessClaims } from '../external/jwt.ts'
import { codedError } from './error-handler.ts'

export interface Auth {
  userId: ObjectId
  agencyId: ObjectId
  role: Role
}

declare module 'fastify' {
  interface FastifyRequest {
    /** set for every non-public /v1 route by the authenticate hook */
    auth: Auth
  }
  interface FastifyContextConfig {
    public?: boolean
    minRole?: Role
  }
  interface FastifyInstance {
    authenticate: (request: FastifyRequest) => Promise<void>
  }
}

const RANK: Record<Role, number> = { viewer: 0, manager: 1, admin: 2, owner: 3 }
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function hasRole (role: Role, atLeast: Role): boolean {
  return RANK[role] >= RANK[atLeast]
}

export default fp(async function tenancy (fastify) {
  fastify.decorateRequest('auth', null as unknown as Auth)

  fastify.decorate('authenticate', async function authenticate (request: FastifyRequest) {
    const config = request.routeOptions.config
    if (config.public === true) return
    const claims = await request.jwtVerify<AccessClaims>()
    request.auth = { userId: new ObjectId(claims.sub), agencyId: new ObjectId(claims.agency), role: claims.role }
    const needed = config.minRole ?? (READ_METHODS.has(request.method) ? 'viewer' : 'manager')
    if (!hasRole(claims.role, needed)) throw codedError(403, 'FORBIDDEN', `This needs the ${needed} role or higher; you are ${claims.role}`)
  })
}, { name: 'tenancy', dependencies: ['jwt'] })
