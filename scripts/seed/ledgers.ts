// ledgers: one per lease that holds money, its _id the lease's (plugins/app/repositories/
// ledgers.ts), every version projected (dirtySince null).
import type { LedgerRecord } from '../../plugins/app/repositories/ledgers.ts'
import type { Generator } from './generator.ts'
import { censusOf } from './census.ts'
import { ledgersOf } from './money.ts'

export const ledgers: Generator<LedgerRecord> = {
  collection: 'ledgers',
  version: 2,
  count: (agency, context) => censusOf(agency, context).counts.ledgers!,
  * generate (agency, context) {
    for (const ledger of ledgersOf(agency, context)) yield ledger
  }
}
