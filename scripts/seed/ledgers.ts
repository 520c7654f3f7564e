// ledgers: one per lease that holds money, its _id the lease's (plugins/app/repositories/
// ledgers.ts), every version projected (dirtySince null), and a long history folded into its
// carried balance by the application's own foldLedger, as the ledger's last change at the
// anchor would have left it. The charges and payments generators project the whole history:
// folded items keep the documents they had when they closed.
import type { LedgerRecord } from '../../plugins/app/repositories/ledgers.ts'
import { foldLedger } from '../../plugins/app/ledger/fold.ts'
import { settlementOf } from '../../plugins/app/ledger/read-models.ts'
import type { Generator } from './generator.ts'
import { censusOf } from './census.ts'
import { ledgersOf } from './money.ts'

const NOTHING_MOVED: ReadonlySet<string> = new Set()

export const ledgers: Generator<LedgerRecord> = {
  collection: 'ledgers',
  version: 4,
  count: (agency, context) => censusOf(agency, context).counts.ledgers!,
  * generate (agency, context) {
    for (const ledger of ledgersOf(agency, context)) yield foldLedger(ledger, settlementOf(ledger), context.plan.anchor, NOTHING_MOVED) ?? ledger
  }
}
