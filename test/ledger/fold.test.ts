// Folding as a pure function: whatever the ledger, the folded one settles every
// item it keeps exactly as before, keeps every total, adds the same money to the
// dashboard, and only folds items whose allocation can no longer change.
import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { NOTHING_FOLDED, type LedgerChargeRecord, type LedgerPaymentRecord, type LedgerRecord } from '../../plugins/app/repositories/ledgers.ts'
import { FOLD_AFTER_ITEMS, FOLD_ALL_AFTER_ITEMS, foldLedger } from '../../plugins/app/ledger/fold.ts'
import { settlementOf } from '../../plugins/app/ledger/read-models.ts'
import { contributionOf } from '../../plugins/app/rollups/money-contribution.ts'
import type { Settlement } from '../../plugins/app/ledger/allocate.ts'
import { prng } from '../support/prng.ts'

const DAY = 86_400_000
const NOW = new Date('2026-06-15T12:00:00.000Z')

/** A lease's history over `days` before NOW: charges and payments of random sizes, some voided or reversed. */
function randomLedger (random: () => number, items: number, days: number, end = NOW): LedgerRecord {
  const at = (day: number) => new Date(end.getTime() - days * DAY + day * DAY)
  const charges: LedgerChargeRecord[] = []
  const payments: LedgerPaymentRecord[] = []
  for (let i = 0; i < items; i++) {
    const day = Math.floor(random() * days)
    if (random() < 0.5) {
      const voided = random() < 0.05
      charges.push({ _id: new ObjectId(), kind: 'fee', key: null, description: 'x', dueDate: at(day), amount: 1 + Math.floor(random() * 5_000), voided, voidedAt: voided ? at(day) : null, createdAt: at(day) })
    } else {
      const reversed = random() < 0.05
      payments.push({ _id: new ObjectId(), amount: 1 + Math.floor(random() * 5_000), receivedAt: at(day), method: 'cash', reference: null, reversed, reversedAt: reversed ? at(day) : null, reversalReason: reversed ? 'bounced' : null, createdAt: at(day) })
    }
  }
  const ledger = { charges, payments, carried: NOTHING_FOLDED }
  const s = settlementOf(ledger)
  return {
    _id: new ObjectId(), agencyId: new ObjectId(), propertyId: new ObjectId(), unitId: new ObjectId(), version: items, ...ledger,
    totalCharged: s.totalCharged, totalPaid: s.totalPaid, outstanding: s.outstanding, credit: s.credit, dirtySince: null, updatedAt: NOW
  }
}

const totals = (s: Settlement) => [s.totalCharged, s.totalPaid, s.outstanding, s.credit]
const sorted = (map: Map<string, number>) => JSON.stringify([...map].filter(([, v]) => v !== 0).sort(([a], [b]) => a.localeCompare(b)))

function problems (ledger: LedgerRecord, folded: LedgerRecord): string[] {
  const before = settlementOf(ledger)
  const after = settlementOf(folded)
  const found: string[] = []
  if (JSON.stringify(totals(before)) !== JSON.stringify(totals(after))) found.push(`totals ${totals(before)} became ${totals(after)}`)
  for (const c of folded.charges) {
    const id = c._id.toHexString()
    if (before.paid.get(id) !== after.paid.get(id)) found.push(`charge ${id} paid ${before.paid.get(id)} became ${after.paid.get(id)}`)
  }
  for (const p of folded.payments) {
    const id = p._id.toHexString()
    if (JSON.stringify(before.byPayment.get(id) ?? []) !== JSON.stringify(after.byPayment.get(id) ?? [])) found.push(`payment ${id} allocations moved`)
  }
  const kept = new Set([...folded.charges, ...folded.payments].map((item) => item._id.toHexString()))
  for (const c of ledger.charges) if (!kept.has(c._id.toHexString()) && !c.voided && before.paid.get(c._id.toHexString()) !== c.amount) found.push(`an open charge ${c._id.toHexString()} was folded`)
  for (const p of ledger.payments) if (!kept.has(p._id.toHexString()) && !p.reversed && before.applied.get(p._id.toHexString()) !== p.amount) found.push(`a payment in credit ${p._id.toHexString()} was folded`)
  const paidBefore = folded.charges.reduce((sum, c) => sum + (c.paidBefore ?? 0), 0)
  if (folded.carried.paid !== folded.carried.charged + paidBefore) found.push(`carried paid ${folded.carried.paid} != charged ${folded.carried.charged} + paidBefore ${paidBefore}`)
  const [a, b] = [contributionOf(ledger), contributionOf(folded)]
  for (const field of ['charged', 'collected', 'outstandingByDueDay'] as const) if (sorted(a[field]) !== sorted(b[field])) found.push(`the dashboard's ${field} moved`)
  return found
}

test('a folded ledger settles what it keeps exactly as before, with every total and month', async (t) => {
  const random = prng(13)
  let folds = 0
  for (let round = 0; round < 40; round++) {
    let ledger = randomLedger(random, FOLD_AFTER_ITEMS + 1 + Math.floor(random() * 1_500), 200 + Math.floor(random() * 2_000))
    // Fold, add a year and a half to it, fold again: a lease's life.
    for (let step = 0; step < 3; step++) {
      const now = new Date(NOW.getTime() + step * 540 * DAY)
      const folded = foldLedger(ledger, settlementOf(ledger), now, new Set())
      if (folded === null) break
      folds++
      // A charge and a payment arriving after the fold settle as they would have without it.
      const late = randomLedger(random, 40, 1, new Date(now.getTime() + DAY))
      const withLate = (l: LedgerRecord) => ({ ...l, charges: [...l.charges, ...late.charges], payments: [...l.payments, ...late.payments] })
      const found = [...problems(ledger, folded), ...problems(withLate(ledger), withLate(folded))]
      if (found.length > 0) {
        t.fail(`round ${round}, fold ${step}: ${found.slice(0, 3).join('; ')}`)
        return
      }
      const more = randomLedger(random, FOLD_AFTER_ITEMS, 530, new Date(now.getTime() + 540 * DAY))
      ledger = { ...folded, charges: [...folded.charges, ...more.charges], payments: [...folded.payments, ...more.payments] }
    }
  }
  t.ok(folds > 80, `${folds} folds, none moved a cent`)
})

test('only items dated before the horizon fold, unless the ledger is very long; items a change moved stay', async (t) => {
  const random = prng(5)
  const ledger = randomLedger(random, 1_200, 1_000)
  const folded = foldLedger(ledger, settlementOf(ledger), NOW, new Set())!
  const horizon = Date.UTC(NOW.getUTCFullYear() - 1, NOW.getUTCMonth(), 1)
  const kept = new Set([...folded.charges, ...folded.payments].map((item) => item._id.toHexString()))
  const foldedItems = [...ledger.charges.map((c) => [c._id, c.dueDate] as const), ...ledger.payments.map((p) => [p._id, p.receivedAt] as const)].filter(([id]) => !kept.has(id.toHexString()))
  t.ok(foldedItems.length > 100, `${foldedItems.length} items folded`)
  t.ok(foldedItems.every(([, date]) => date.getTime() < horizon), 'every folded item is dated before the horizon')
  t.equal(folded.carried.charges + folded.carried.payments, foldedItems.length, 'and counted')

  const long = randomLedger(random, FOLD_ALL_AFTER_ITEMS + 500, 300)
  const longFolded = foldLedger(long, settlementOf(long), NOW, new Set())!
  t.ok(longFolded.charges.length + longFolded.payments.length < (FOLD_ALL_AFTER_ITEMS + 500) / 2, `past ${FOLD_ALL_AFTER_ITEMS} items, recent settled items fold too`)

  const firstPayment = [...ledger.payments].filter((p) => !p.reversed).sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())[0]!
  const keep = foldLedger(ledger, settlementOf(ledger), NOW, new Set([firstPayment._id.toHexString()]))
  t.ok(keep === null || keep.payments.some((p) => p._id.equals(firstPayment._id)), 'a payment the change moved is not folded')
  t.equal(foldLedger(randomLedger(random, FOLD_AFTER_ITEMS, 1_000), settlementOf(ledger), NOW, new Set()), null, 'a short ledger never folds')
})
