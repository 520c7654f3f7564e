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
  const { sessionRevocations } = fastify
  fastify.decorateRequest('auth', null as unknown as Auth)

  // The token is read and verified here rather than by request.jwtVerify(): the
  // request wrapper cost about ten times the (cached) verification itself, on
  // every authenticated request.
  function claimsOf (request: FastifyRequest): AccessClaims {
    const header = request.headers.authorization
    if (header === undefined) throw codedError(401, 'UNAUTHORIZED', 'No Authorization header: send Authorization: Bearer <access token>')
    if (!header.startsWith('Bearer ') || header.length < 8) throw codedError(401, 'BAD_AUTHORIZATION_HEADER', 'The Authorization header must be: Bearer <access token>')
    try {
      return fastify.jwt.verify<AccessClaims>(header.slice(7))
    } catch (err) {
      if ((err as { code?: string }).code === 'FAST_JWT_EXPIRED') throw codedError(401, 'TOKEN_EXPIRED', 'The access token has expired; refresh it')
      throw codedError(401, 'UNAUTHORIZED', 'The access token is not valid')
    }
  }

  fastify.decorate('authenticate', async function authenticate (request: FastifyRequest) {
    const config = request.routeOptions.config
    if (config.public === true) return
    const claims = claimsOf(request)
    // In memory, no database read: see session-revocations.ts.
    if (!sessionRevocations.current()) {
      throw Object.assign(codedError(503, 'DEPENDENCY_UNAVAILABLE', 'Sign-in state cannot be checked right now; retry later'), {
        headers: { 'retry-after': String(fastify.config.PRESSURE_RETRY_AFTER_S) }
      })
    }
    if ((claims.ver ?? 0) < sessionRevocations.minimumVersion(claims.sub)) {
      throw codedError(401, 'TOKEN_REVOKED', 'This access token was revoked (the account was disabled, or its role or password changed); refresh it or log in again')
    }
    request.auth = { userId: new ObjectId(claims.sub), agencyId: new ObjectId(claims.agency), role: claims.role }
    const needed = config.minRole ?? (READ_METHODS.has(request.method) ? 'viewer' : 'manager')
    if (!hasRole(claims.role, needed)) throw codedError(403, 'FORBIDDEN', `This needs the ${needed} role or higher; you are ${claims.role}`)
  })
}, { name: 'tenancy', dependencies: ['jwt', 'session-revocations'] })
