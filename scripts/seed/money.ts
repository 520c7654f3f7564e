// The ledgers of an agency in lease order: what the ledgers, charges and payments generators
// and the census read (each replays them: nothing is kept in memory).
import type { LedgerRecord } from '../../plugins/app/repositories/ledgers.ts'
import type { SeedContext } from './generator.ts'
import { ledgerOf } from './ledger-history.ts'
import type { AgencyPlan } from './plan.ts'
import { tenanciesOf } from './tenancies.ts'

export function * ledgersOf (agency: AgencyPlan, context: SeedContext): Iterable<LedgerRecord> {
  for (const { leases } of tenanciesOf(agency, context)) {
    for (const lease of leases) {
      const ledger = ledgerOf(agency, lease, context.plan)
      if (ledger !== null) yield ledger
    }
  }
}
