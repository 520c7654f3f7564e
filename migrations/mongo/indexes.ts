// Every MongoDB index Haven relies on, by collection. Request-path queries start
// with agencyId (equality, then sort, then range: the ESR rule); repositories
// refuse list queries these do not serve, and the coverage test checks every
// query shape the suite sent against them.
import type { IndexDefinitions } from './apply.ts'
import { agencies } from './agencies.ts'
import { agencySummaries } from './agency-summaries.ts'
import { charges } from './charges.ts'
import { idempotencyKeys } from './idempotency-keys.ts'
import { leases } from './leases.ts'
import { ledgers } from './ledgers.ts'
import { maintenanceRequests } from './maintenance-requests.ts'
import { payments } from './payments.ts'
import { properties } from './properties.ts'
import { refreshTokens } from './refresh-tokens.ts'
import { tenants } from './tenants.ts'
import { units } from './units.ts'
import { users } from './users.ts'

export const indexes = {
  agencies,
  agency_summaries: agencySummaries,
  users,
  refresh_tokens: refreshTokens,
  properties,
  tenants,
  leases,
  ledgers,
  charges,
  payments,
  idempotency_keys: idempotencyKeys,
  units,
  maintenance_requests: maintenanceRequests
} satisfies IndexDefinitions
