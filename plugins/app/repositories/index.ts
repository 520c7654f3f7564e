// One repository per collection, created once on the shared MongoDB client and
// reached through `fastify.repos`. Every method takes the agency id first.
import fp from 'fastify-plugin'
import { AgenciesRepository } from './agencies.ts'
import { PropertiesRepository } from './properties.ts'
import { RefreshTokensRepository } from './refresh-tokens.ts'
import { UnitsRepository } from './units.ts'
import { UsersRepository } from './users.ts'

export interface Repositories {
  agencies: AgenciesRepository
  users: UsersRepository
  refreshTokens: RefreshTokensRepository
  properties: PropertiesRepository
  units: UnitsRepository
}

declare module 'fastify' {
  interface FastifyInstance {
    repos: Repositories
  }
}

export default fp(async function repositories (fastify) {
  const db = fastify.mongo.db!
  const maxTimeMS = fastify.config.MONGODB_QUERY_TIMEOUT_MS
  fastify.decorate('repos', {
    agencies: new AgenciesRepository(db, maxTimeMS),
    users: new UsersRepository(db, maxTimeMS),
    refreshTokens: new RefreshTokensRepository(db, maxTimeMS),
    properties: new PropertiesRepository(db, maxTimeMS),
    units: new UnitsRepository(db, maxTimeMS)
  })
}, { name: 'repositories', dependencies: ['mongodb'] })
