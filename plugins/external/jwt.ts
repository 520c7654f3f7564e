// Access tokens: short-lived HS256 JWTs (@fastify/jwt over fast-jwt) with an
// explicit algorithm list, issuer and expiry. Verified tokens are cached (keyed
// by the token, bounded, expiring with it) so a busy client costs one HMAC.
import fp from 'fastify-plugin'
import jwt from '@fastify/jwt'

export interface AccessClaims {
  sub: string
  agency: string
  role: 'owner' | 'admin' | 'manager' | 'viewer'
  /** the user's session version at issue; tokens below the current one are revoked (absent: 0) */
  ver?: number
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessClaims
    user: AccessClaims
  }
}

export const ISSUER = 'haven-api'

export default fp(async function accessTokens (fastify) {
  const { JWT_SECRET, ACCESS_TOKEN_TTL_S } = fastify.config
  await fastify.register(jwt, {
    secret: JWT_SECRET,
    sign: { algorithm: 'HS256', expiresIn: ACCESS_TOKEN_TTL_S * 1000, iss: ISSUER },
    verify: { algorithms: ['HS256'], allowedIss: ISSUER, cache: 10_000, cacheTTL: 60_000 }
  })
}, { name: 'jwt' })
