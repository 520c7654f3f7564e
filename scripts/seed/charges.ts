// charges: the read model of every ledger's charges, made by the application's own
// chargeDocs (plugins/app/ledger/read-models.ts) as of the anchor (so "overdue" is what the
// daily job would have flagged), stamped with the time of the ledger's last change.
import type { ChargeRecord } from '../../plugins/app/repositories/charges.ts'
import { chargeDocs, settlementOf } from '../../plugins/app/ledger/read-models.ts'
import type { Generator } from './generator.ts'
import { censusOf } from './census.ts'
import { ledgersOf } from './money.ts'

export const charges: Generator<ChargeRecord> = {
  collection: 'charges',
  version: 4,
  count: (agency, context) => censusOf(agency, context).counts.charges!,
  * generate (agency, context) {
    for (const ledger of ledgersOf(agency, context)) {
      for (const doc of chargeDocs(ledger, settlementOf(ledger), context.plan.anchor)) yield { ...doc, updatedAt: ledger.updatedAt }
    }
  }
}
