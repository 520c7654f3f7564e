// How big a ledger document may grow, and how a long history folds away.
//
// Settlement is first in, first out: payments (oldest received first) fill
// charges (oldest due first). Once a run of the oldest payments has been applied
// in full, those payments and the charges they paid can never change again
// unless an item is added before them, or one of them is voided or reversed.
// Folding closes that run: its items leave the document, its sums stay in
// `carried` (with their months, keys and latest payments, which the dashboard
// and the rent job need), and the charge the run paid only in part keeps that
// part as `paidBefore`. From then on a change that would reach into the closed
// run is refused (409 LEDGER_CLOSED): a charge due, or a payment received,
// before its last item, and a void, reversal or edit of a folded item. Their
// charge and payment documents stay as they were when they closed.
//
// When: a ledger folds once it holds more than FOLD_AFTER_ITEMS items, and then
// only items dated before the month FOLD_HORIZON_MONTHS ago, so recent items stay
// open to corrections; past FOLD_ALL_AFTER_ITEMS it folds everything settled.
// Only items whose documents are already written fold (a clean ledger, items
// the change does not move), so a crash never loses a folded item's document.
//
// The bound: what cannot fold is what is still open (charges not paid, or
// payments not applied). A change that would take a ledger past MAX_LIVE_ITEMS
// items or MAX_LEDGER_BYTES is refused (409 LEDGER_FULL) unless it settles open
// money (a payment while charges are owed, a charge while there is credit):
// what it settles folds at the next change, so a tenant can always pay. Nothing
// takes a ledger past HARD_LEDGER_BYTES, three quarters of MongoDB's 16 MiB.
import { BSON } from 'mongodb'
import type { CarriedBalance, CarriedPayment, LedgerChargeRecord, LedgerPaymentRecord, LedgerRecord } from '../repositories/ledgers.ts'
import { LATEST_PAYMENTS } from '../repositories/agency-summaries.ts'
import { codedError } from '../error-handler.ts'
import { byDue, byReceipt, type Settlement } from './allocate.ts'

export const FOLD_AFTER_ITEMS = 1_000
export const FOLD_HORIZON_MONTHS = 12
export const FOLD_ALL_AFTER_ITEMS = 2_000
export const MAX_LIVE_ITEMS = 10_000
export const MAX_LEDGER_BYTES = 8 * 1024 * 1024
export const HARD_LEDGER_BYTES = 12 * 1024 * 1024
// The largest item the schemas allow is about 3 KB (500-character texts of
// 4-byte characters): below this many items a ledger cannot reach the byte
// bound, so its size is not computed.
const BYTES_CHECKED_FROM_ITEMS = 2_000

const monthOf = (date: Date) => date.toISOString().slice(0, 7)
const hex = (item: { _id: { toHexString: () => string } }) => item._id.toHexString()
const chargeKey = (c: Pick<LedgerChargeRecord, 'dueDate' | 'createdAt' | '_id'>) => ({ dueDate: c.dueDate, createdAt: c.createdAt, id: c._id.toHexString() })
const paymentKey = (p: Pick<LedgerPaymentRecord, 'receivedAt' | '_id'>) => ({ receivedAt: p.receivedAt, id: p._id.toHexString() })

/** Does a new charge sort after every closed one? */
export function chargeIsOpen (carried: CarriedBalance, charge: LedgerChargeRecord): boolean {
  const last = carried.lastCharge
  return last === null || byDue(chargeKey(charge), { ...last, id: last.id.toHexString() }) > 0
}

/** Does a new payment sort after every closed one? */
export function paymentIsOpen (carried: CarriedBalance, payment: LedgerPaymentRecord): boolean {
  const last = carried.lastPayment
  return last === null || byReceipt(paymentKey(payment), { ...last, id: last.id.toHexString() }) > 0
}

function horizonOf (now: Date, items: number): number {
  if (items > FOLD_ALL_AFTER_ITEMS) return Number.POSITIVE_INFINITY
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - FOLD_HORIZON_MONTHS, 1)
}

function addMonth (months: CarriedBalance['months'], period: string, field: 'charged' | 'collected', amount: number): void {
  const month = months[period] ?? { charged: 0, collected: 0 }
  months[period] = { ...month, [field]: month[field] + amount }
}

function newestPayments (payments: CarriedPayment[]): CarriedPayment[] {
  return payments.sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || (a.id.toHexString() < b.id.toHexString() ? 1 : -1)).slice(0, LATEST_PAYMENTS)
}

/**
 * The ledger with its closed run folded into `carried`, or null when nothing
 * may fold. `settlement` is the ledger's own; `keep` names items whose
 * documents this change has yet to write (they stay).
 */
export function foldLedger (ledger: LedgerRecord, settlement: Settlement, now: Date, keep: ReadonlySet<string>): LedgerRecord | null {
  const items = ledger.charges.length + ledger.payments.length
  if (items <= FOLD_AFTER_ITEMS) return null
  const horizon = horizonOf(now, items)

  // Positions on the money line: each open charge takes what it still owes, each payment its amount.
  const due = ledger.charges.filter((c) => !c.voided).map((c) => ({ record: c, key: chargeKey(c) })).sort((a, b) => byDue(a.key, b.key))
  const received = ledger.payments.filter((p) => !p.reversed).map((p) => ({ record: p, key: paymentKey(p) })).sort((a, b) => byReceipt(a.key, b.key))
  let limit = Number.POSITIVE_INFINITY
  let position = 0
  for (const { record } of due) {
    if (record.dueDate.getTime() >= horizon || keep.has(hex(record))) {
      limit = position
      break
    }
    position += record.amount - (record.paidBefore ?? 0)
  }
  let cut = 0
  let foldedPayments = 0
  for (const { record } of received) {
    const id = hex(record)
    if (settlement.applied.get(id) !== record.amount || keep.has(id) || record.receivedAt.getTime() >= horizon || cut + record.amount > limit) break
    cut += record.amount
    foldedPayments++
  }

  const folded = new Set<string>()
  const carried: CarriedBalance = { ...ledger.carried, months: { ...ledger.carried.months }, keys: [...ledger.carried.keys] }
  let latest = [...carried.latestPayments]
  const foldCharge = (c: LedgerChargeRecord) => {
    folded.add(hex(c))
    carried.charges++
    if (c.voided) return
    carried.charged += c.amount
    addMonth(carried.months, monthOf(c.dueDate), 'charged', c.amount)
    if (c.key !== null) carried.keys.push(c.key)
  }
  const foldPayment = (p: LedgerPaymentRecord) => {
    folded.add(hex(p))
    carried.payments++
    latest.push({ id: p._id, amount: p.amount, receivedAt: p.receivedAt, method: p.method, reversed: p.reversed })
    if (p.reversed) return
    carried.paid += p.amount
    addMonth(carried.months, monthOf(p.receivedAt), 'collected', p.amount)
  }

  for (const { record } of received.slice(0, foldedPayments)) foldPayment(record)
  if (foldedPayments > 0) carried.lastPayment = { receivedAt: received[foldedPayments - 1]!.record.receivedAt, id: received[foldedPayments - 1]!.record._id }
  let straddler: { id: string, paidBefore: number } | null = null
  position = 0
  for (const { record } of due) {
    const end = position + record.amount - (record.paidBefore ?? 0)
    if (end <= cut) {
      foldCharge(record)
      carried.lastCharge = { dueDate: record.dueDate, createdAt: record.createdAt, id: record._id }
    } else {
      if (position < cut) {
        straddler = { id: hex(record), paidBefore: (record.paidBefore ?? 0) + cut - position }
        carried.lastCharge = { dueDate: record.dueDate, createdAt: record.createdAt, id: record._id }
      }
      break
    }
    position = end
  }
  // Voided charges and reversed payments take no part in settlement: they close with their date.
  for (const c of ledger.charges) if (c.voided && c.dueDate.getTime() < horizon && !keep.has(hex(c))) foldCharge(c)
  for (const p of ledger.payments) if (p.reversed && p.receivedAt.getTime() < horizon && !keep.has(hex(p))) foldPayment(p)
  if (folded.size === 0 && straddler === null) return null

  latest = newestPayments(latest)
  return {
    ...ledger,
    charges: ledger.charges.filter((c) => !folded.has(hex(c))).map((c) => hex(c) === straddler?.id ? { ...c, paidBefore: straddler.paidBefore } : c),
    payments: ledger.payments.filter((p) => !folded.has(hex(p))),
    carried: { ...carried, latestPayments: latest, foldedAt: now }
  }
}

const full = (what: string) => codedError(409, 'LEDGER_FULL', `This lease's ledger holds ${what} of open charges and payments, its limit: settle or void some before adding more`)

/**
 * Refuses a version that grows a ledger past its bound. `settles`: the change
 * lowered what is owed or the credit (it is allowed past the soft bound).
 */
export function checkBound (before: LedgerRecord, next: LedgerRecord, settles: boolean): void {
  const items = next.charges.length + next.payments.length
  const growsItems = items > before.charges.length + before.payments.length
  if (growsItems && items > MAX_LIVE_ITEMS && !settles) throw full(`${MAX_LIVE_ITEMS.toLocaleString('en-US')} items`)
  if (items < BYTES_CHECKED_FROM_ITEMS) return
  const bytes = BSON.calculateObjectSize(next)
  if (bytes <= MAX_LEDGER_BYTES) return
  const grows = bytes > BSON.calculateObjectSize(before)
  if (grows && (bytes > HARD_LEDGER_BYTES || !settles)) throw full(`${(bytes > HARD_LEDGER_BYTES ? HARD_LEDGER_BYTES : MAX_LEDGER_BYTES) / 1024 / 1024} MiB`)
}
