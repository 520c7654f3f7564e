// A money write's work grows with the ledger linearly, not with its square: the
// steps of a write (settle before and after, compare, write the read models,
// the dashboard's contribution) read each item and each allocation a bounded
// number of times. Counted, not timed: every array the steps read is wrapped
// in a proxy that counts element reads, for a ledger of n items and of 2n.
import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { NOTHING_FOLDED, type LedgerRecord } from '../../plugins/app/repositories/ledgers.ts'
import { chargeDocs, movedItems, paymentDocs, settlementOf } from '../../plugins/app/ledger/read-models.ts'
import { applyChange } from '../../plugins/app/ledger/changes.ts'
import { contributionChange } from '../../plugins/app/rollups/money-contribution.ts'
import type { Settlement } from '../../plugins/app/ledger/allocate.ts'

const DAY = 86_400_000

function counted<T> (items: T[], reads: { n: number }): T[] {
  return new Proxy(items, {
    get (target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) reads.n++
      return Reflect.get(target, property, receiver) as unknown
    }
  })
}

/** n/2 monthly charges, each paid by one payment: a ledger whose every payment has allocations. */
function ledgerOf (n: number): LedgerRecord {
  const start = Date.UTC(2000, 0, 1)
  const charges = Array.from({ length: n / 2 }, (_, i) => ({
    _id: new ObjectId(), kind: 'rent' as const, key: null, description: 'Rent', dueDate: new Date(start + i * DAY), amount: 1_000, voided: false, voidedAt: null, createdAt: new Date(start + i * DAY)
  }))
  const payments = Array.from({ length: n / 2 }, (_, i) => ({
    _id: new ObjectId(), amount: 1_000, receivedAt: new Date(start + i * DAY + 3_600_000), method: 'cash' as const, reference: null, reversed: false, reversedAt: null, reversalReason: null, createdAt: new Date(start + i * DAY)
  }))
  return {
    _id: new ObjectId(), agencyId: new ObjectId(), propertyId: new ObjectId(), unitId: new ObjectId(), version: n, charges, payments, carried: NOTHING_FOLDED,
    totalCharged: 0, totalPaid: 0, outstanding: 0, credit: 0, dirtySince: null, updatedAt: new Date()
  }
}

/** The element reads of one write that voids the oldest charge (every later payment's allocation moves). */
function readsOfAWrite (n: number): number {
  const reads = { n: 0 }
  const plain = ledgerOf(n)
  const base = { ...plain, charges: counted(plain.charges, reads), payments: counted(plain.payments, reads) }
  const watch = (s: Settlement): Settlement => {
    s.allocations = counted(s.allocations, reads)
    for (const [id, list] of s.byPayment) s.byPayment.set(id, counted(list, reads))
    return s
  }
  const before = watch(settlementOf(base))
  const outcome = applyChange(base, { type: 'voidCharge', chargeId: plain.charges[0]!._id }, new Date())
  const next = { ...base, ...outcome.facts, charges: counted(outcome.facts.charges, reads), payments: counted(outcome.facts.payments, reads) }
  const after = watch(settlementOf(next))
  const moved = movedItems(before, after)
  chargeDocs(next, after, new Date(), moved)
  paymentDocs(next, after, new Date(), moved)
  // The repair job and a dirty ledger write every document.
  chargeDocs(next, after, new Date())
  paymentDocs(next, after, new Date())
  contributionChange(base, before, next, after)
  return reads.n
}

test('a money write reads each item a bounded number of times, however long the ledger', async (t) => {
  for (const n of [2_000, 8_000]) {
    const reads = readsOfAWrite(n)
    t.ok(reads <= 60 * n, `${n.toLocaleString('en-US')} items: ${reads.toLocaleString('en-US')} element reads (at most 60 per item)`)
  }
  const small = readsOfAWrite(4_000)
  const large = readsOfAWrite(16_000)
  t.ok(large / small < 5, `four times the items, ${(large / small).toFixed(2)} times the reads (quadratic work would be 16 times)`)
})
