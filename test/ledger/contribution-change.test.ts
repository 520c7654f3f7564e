// What a change adds to the dashboard's money, computed from what it touched
// (contributionChange), is exactly the difference of the ledger's contribution
// before and after, worked out whole: over random ledgers, every kind of
// change, and folds.
import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { NOTHING_FOLDED, type LedgerRecord } from '../../plugins/app/repositories/ledgers.ts'
import { applyChange, type LedgerChange } from '../../plugins/app/ledger/changes.ts'
import { FOLD_AFTER_ITEMS, foldLedger } from '../../plugins/app/ledger/fold.ts'
import { settlementOf } from '../../plugins/app/ledger/read-models.ts'
import { contributionChange, contributionOf, type MoneyContribution } from '../../plugins/app/rollups/money-contribution.ts'
import { prng } from '../support/prng.ts'

const DAY = 86_400_000
const NOW = new Date('2026-06-15T12:00:00.000Z')

function wholeDifference (before: MoneyContribution, after: MoneyContribution): Record<string, unknown> {
  const difference = (a: Map<string, number>, b: Map<string, number>) => {
    const keys = [...new Set([...a.keys(), ...b.keys()])].sort()
    return Object.fromEntries(keys.map((key) => [key, (b.get(key) ?? 0) - (a.get(key) ?? 0)]).filter(([, amount]) => amount !== 0))
  }
  return {
    charged: difference(before.charged, after.charged),
    collected: difference(before.collected, after.collected),
    outstandingByDueDay: difference(before.outstandingByDueDay, after.outstandingByDueDay),
    outstanding: after.outstanding - before.outstanding,
    credit: after.credit - before.credit
  }
}

const plain = (delta: MoneyContribution) => ({
  charged: Object.fromEntries([...delta.charged].sort()),
  collected: Object.fromEntries([...delta.collected].sort()),
  outstandingByDueDay: Object.fromEntries([...delta.outstandingByDueDay].sort()),
  outstanding: delta.outstanding,
  credit: delta.credit
})

/** A change on day `day` of the lease's life (which ends at NOW): its items come in date order, as a lease's do. */
function randomChange (random: () => number, ledger: LedgerRecord, day: number, days: number): LedgerChange {
  const at = new Date(NOW.getTime() - (days - day) * DAY + Math.floor(random() * DAY))
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]
  const kind = random()
  if (kind < 0.35 || ledger.charges.length === 0) {
    return { type: 'addCharge', charge: { _id: new ObjectId(), kind: 'fee', key: null, description: 'x', dueDate: at, amount: 1 + Math.floor(random() * 5_000), voided: false, voidedAt: null, createdAt: at } }
  }
  if (kind < 0.7 || ledger.payments.length === 0) {
    return { type: 'addPayment', payment: { _id: new ObjectId(), amount: 1 + Math.floor(random() * 5_000), receivedAt: at, method: 'cash', reference: null, reversed: false, reversedAt: null, reversalReason: null, createdAt: at } }
  }
  if (kind < 0.8) return { type: 'voidCharge', chargeId: pick(ledger.charges)!._id }
  if (kind < 0.9) return { type: 'reversePayment', paymentId: pick(ledger.payments)!._id, reason: 'bounced' }
  return { type: 'amendPayment', paymentId: pick(ledger.payments)!._id, reference: `r${Math.floor(random() * 3)}` }
}

test('the change a write makes to the dashboard\'s money is the difference of the two contributions', async (t) => {
  const random = prng(29)
  let compared = 0
  let folds = 0
  for (let lease = 0; lease < 20; lease++) {
    let ledger: LedgerRecord = {
      _id: new ObjectId(), agencyId: new ObjectId(), propertyId: new ObjectId(), unitId: new ObjectId(), version: 0,
      charges: [], payments: [], carried: NOTHING_FOLDED, totalCharged: 0, totalPaid: 0, outstanding: 0, credit: 0, dirtySince: null, updatedAt: NOW
    }
    // Long enough for some leases to fold (past 1,000 items, what is older than a year; 70 % of changes add one).
    const changes = lease % 10 === 0 ? Math.ceil(FOLD_AFTER_ITEMS * 1.7) : 60
    for (let i = 0; i < changes; i++) {
      const before = settlementOf(ledger)
      let outcome
      try {
        outcome = applyChange(ledger, randomChange(random, ledger, i / 2, changes / 2), NOW)
      } catch {
        continue // a change refused (a closed history): nothing to compare
      }
      let next: LedgerRecord = { ...ledger, ...outcome.facts, version: ledger.version + 1 }
      let after = settlementOf(next)
      const folded = foldLedger(next, after, NOW, new Set([outcome.itemId.toHexString()]))
      if (folded !== null) {
        folds++
        next = folded
        after = settlementOf(folded)
      }
      const found = plain(contributionChange(ledger, before, next, after))
      const expected = wholeDifference(contributionOf(ledger, before), contributionOf(next, after))
      if (JSON.stringify(found) !== JSON.stringify(expected)) {
        t.same(found, expected, `lease ${lease}, change ${i}`)
        return
      }
      compared++
      ledger = next
    }
  }
  t.ok(folds > 0, `folds happened (${folds})`)
  t.ok(compared > 2_000, `${compared} changes compared`)
})
