// Every collection the seed writes, parents before children (a unit's property is written
// first), the dashboard's summaries last. A new collection's generator is added here and, if
// it makes ids of its own, gets a tag in ids.ts.
import { agencies } from './agencies.ts'
import { agencySummaries } from './agency-summaries.ts'
import { charges } from './charges.ts'
import type { Generator } from './generator.ts'
import { leases } from './leases.ts'
import { ledgers } from './ledgers.ts'
import { maintenanceRequests } from './maintenance-requests.ts'
import { payments } from './payments.ts'
import { properties } from './properties.ts'
import { tenants } from './tenants.ts'
import { units } from './units.ts'
import { users } from './users.ts'

export const GENERATORS: readonly Generator[] = [
  agencies, users, properties, units, tenants, leases, ledgers, charges, payments, maintenanceRequests, agencySummaries
]

/** Names the generators and their versions; a stored dataset with another fingerprint is rebuilt. */
export function generatorsFingerprint (): string {
  return GENERATORS.map((g) => `${g.collection}@${g.version}`).join(',')
}
