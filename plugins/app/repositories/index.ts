// One repository per collection, created once on the shared MongoDB client and
// reached through `fastify.repos`. Every method takes the agency id first.
import fp from 'fastify-plugin'
import { AgenciesRepository } from './agencies.ts'
import { AgencySummariesRepository } from './agency-summaries.ts'
import { allowUnindexedLists } from './agency-collection.ts'
import { ChargesRepository } from './charges.ts'
import { IdempotencyKeysRepository } from './idempotency-keys.ts'
import { LeasesRepository } from './leases.ts'
import { LedgersRepository } from './ledgers.ts'
import { MaintenanceRequestsRepository } from './maintenance-requests.ts'
import { PaymentsRepository } from './payments.ts'
import { PropertiesRepository } from './properties.ts'
import { RefreshTokensRepository } from './refresh-tokens.ts'
import { TenantsRepository } from './tenants.ts'
import { UnitsRepository } from './units.ts'
import { UsersRepository } from './users.ts'

export interface Repositories {
  agencies: AgenciesRepository
  agencySummaries: AgencySummariesRepository
  users: UsersRepository
  refreshTokens: RefreshTokensRepository
  properties: PropertiesRepository
  leases: LeasesRepository
  ledgers: LedgersRepository
  charges: ChargesRepository
  payments: PaymentsRepository
  idempotencyKeys: IdempotencyKeysRepository
  tenants: TenantsRepository
  units: UnitsRepository
  maintenanceRequests: MaintenanceRequestsRepository
}

declare module 'fastify' {
  interface FastifyInstance {
    repos: Repositories
  }
}

export default fp(async function repositories (fastify) {
  const db = fastify.mongo.db!
  const maxTimeMS = fastify.config.MONGODB_QUERY_TIMEOUT_MS
  if (fastify.config.HAVEN_UNOPTIMISED) allowUnindexedLists(db)
  fastify.decorate('repos', {
    agencies: new AgenciesRepository(db, maxTimeMS),
    agencySummaries: new AgencySummariesRepository(db, maxTimeMS),
    users: new UsersRepository(db, maxTimeMS),
    refreshTokens: new RefreshTokensRepository(db, maxTimeMS),
    properties: new PropertiesRepository(db, maxTimeMS),
    leases: new LeasesRepository(db, maxTimeMS),
    ledgers: new LedgersRepository(db, maxTimeMS),
    charges: new ChargesRepository(db, maxTimeMS),
    payments: new PaymentsRepository(db, maxTimeMS),
    idempotencyKeys: new IdempotencyKeysRepository(db, maxTimeMS),
    tenants: new TenantsRepository(db, maxTimeMS),
    units: new UnitsRepository(db, maxTimeMS),
    maintenanceRequests: new MaintenanceRequestsRepository(db, maxTimeMS)
  })
}, { name: 'repositories', dependencies: ['mongodb'] })
