// payments: the read model of every ledger's payments, with their allocations, made by the
// application's own paymentDocs (plugins/app/ledger/read-models.ts).
import type { PaymentRecord } from '../../plugins/app/repositories/payments.ts'
import { paymentDocs, settlementOf } from '../../plugins/app/ledger/read-models.ts'
import type { Generator } from './generator.ts'
import { censusOf } from './census.ts'
import { ledgersOf } from './money.ts'

export const payments: Generator<PaymentRecord> = {
  collection: 'payments',
  version: 4,
  count: (agency, context) => censusOf(agency, context).counts.payments!,
  * generate (agency, context) {
    for (const ledger of ledgersOf(agency, context)) {
      for (const doc of paymentDocs(ledger, settlementOf(ledger), context.plan.anchor)) yield { ...doc, updatedAt: ledger.updatedAt }
    }
  }
}
