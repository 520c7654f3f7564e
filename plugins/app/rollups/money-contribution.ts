// What one lease's ledger adds to its agency's money figures: charged per month
// (by due date), collected per month (by receipt date), and what is still
// outstanding per due day (aging is computed from that at read time, so it stays
// right as days pass). A ledger change moves the agency's figures by the
// difference between the ledger's contribution after and before it.
import { settlementOf, type LedgerFacts } from '../ledger/read-models.ts'
import type { Settlement } from '../ledger/allocate.ts'
import type { LedgerChargeRecord, LedgerRecord } from '../repositories/ledgers.ts'
import type { LatestPayment } from '../repositories/agency-summaries.ts'

export interface MoneyContribution {
  charged: Map<string, number>
  collected: Map<string, number>
  outstandingByDueDay: Map<string, number>
  outstanding: number
  credit: number
}

export const monthOf = (date: Date) => date.toISOString().slice(0, 7)
export const dayOf = (date: Date) => date.toISOString().slice(0, 10)

function add (map: Map<string, number>, key: string, amount: number): void {
  if (amount !== 0) map.set(key, (map.get(key) ?? 0) + amount)
}

/** A ledger's contribution; pass its settlement when it is at hand (settling is the costly part). */
export function contributionOf (ledger: LedgerFacts, settlement: Settlement = settlementOf(ledger)): MoneyContribution {
  const contribution: MoneyContribution = { charged: new Map(), collected: new Map(), outstandingByDueDay: new Map(), outstanding: settlement.outstanding, credit: settlement.credit }
  // Folded items were settled in full: they still count in their months, never as outstanding.
  for (const [period, month] of Object.entries(ledger.carried.months)) {
    add(contribution.charged, period, month.charged)
    add(contribution.collected, period, month.collected)
  }
  for (const charge of ledger.charges) {
    if (charge.voided) continue
    add(contribution.charged, monthOf(charge.dueDate), charge.amount)
    add(contribution.outstandingByDueDay, dayOf(charge.dueDate), charge.amount - (settlement.paid.get(charge._id.toHexString()) ?? 0))
  }
  for (const payment of ledger.payments) {
    if (!payment.reversed) add(contribution.collected, monthOf(payment.receivedAt), payment.amount)
  }
  return contribution
}

/**
 * The difference a change makes to a ledger's contribution, computed from what
 * it touched rather than from both contributions whole: the items that are not
 * in both versions (changes keep unchanged items as they were, so identity
 * tells), the charges whose paid part moved, the carried balance if a fold
 * changed it. The same figures as subtracting the two contributions; a long
 * ledger's change then formats a few dates, not every item's twice.
 */
export function contributionChange (before: LedgerFacts, settlementBefore: Settlement, after: LedgerFacts, settlementAfter: Settlement): MoneyContribution {
  const delta: MoneyContribution = {
    charged: new Map(), collected: new Map(), outstandingByDueDay: new Map(),
    outstanding: settlementAfter.outstanding - settlementBefore.outstanding,
    credit: settlementAfter.credit - settlementBefore.credit
  }
  if (after.carried !== before.carried) {
    for (const [period, month] of Object.entries(after.carried.months)) {
      add(delta.charged, period, month.charged)
      add(delta.collected, period, month.collected)
    }
    for (const [period, month] of Object.entries(before.carried.months)) {
      add(delta.charged, period, -month.charged)
      add(delta.collected, period, -month.collected)
    }
  }
  const chargeOf = (charge: LedgerChargeRecord, settlement: Settlement, sign: 1 | -1) => {
    if (charge.voided) return
    add(delta.charged, monthOf(charge.dueDate), sign * charge.amount)
    add(delta.outstandingByDueDay, dayOf(charge.dueDate), sign * (charge.amount - (settlement.paid.get(charge._id.toHexString()) ?? 0)))
  }
  const kept = new Set(after.charges)
  const replaced = new Set<string>()
  for (const charge of before.charges) {
    if (kept.has(charge)) continue
    chargeOf(charge, settlementBefore, -1)
    replaced.add(charge._id.toHexString())
  }
  const earlier = new Set(before.charges)
  for (const charge of after.charges) {
    if (earlier.has(charge)) continue
    chargeOf(charge, settlementAfter, 1)
    replaced.add(charge._id.toHexString())
  }
  // Charges in both versions: only a moved paid part changes what they owe.
  const movedPaid = new Map<string, number>()
  for (const [id, paid] of settlementAfter.paid) {
    const was = settlementBefore.paid.get(id)
    if (was !== undefined && was !== paid && !replaced.has(id)) movedPaid.set(id, was - paid)
  }
  if (movedPaid.size > 0) {
    after.charges.forEach((charge, i) => {
      const change = charge.voided ? undefined : movedPaid.get(settlementAfter.chargeIds[i]!)
      if (change !== undefined) add(delta.outstandingByDueDay, dayOf(charge.dueDate), change)
    })
  }
  const received = new Set(after.payments)
  for (const payment of before.payments) if (!received.has(payment) && !payment.reversed) add(delta.collected, monthOf(payment.receivedAt), -payment.amount)
  const earlierPayments = new Set(before.payments)
  for (const payment of after.payments) if (!earlierPayments.has(payment) && !payment.reversed) add(delta.collected, monthOf(payment.receivedAt), payment.amount)
  for (const map of [delta.charged, delta.collected, delta.outstandingByDueDay]) for (const [key, amount] of map) if (amount === 0) map.delete(key)
  return delta
}

export function emptyContribution (): MoneyContribution {
  return { charged: new Map(), collected: new Map(), outstandingByDueDay: new Map(), outstanding: 0, credit: 0 }
}

/** Sums contributions (the reconciliation adds up every ledger of an agency). */
export function addContribution (total: MoneyContribution, more: MoneyContribution): void {
  for (const [key, value] of more.charged) add(total.charged, key, value)
  for (const [key, value] of more.collected) add(total.collected, key, value)
  for (const [key, value] of more.outstandingByDueDay) add(total.outstandingByDueDay, key, value)
  total.outstanding += more.outstanding
  total.credit += more.credit
}

/** A ledger's payments as the dashboard's latest payments list them: those it holds, and the newest folded ones. */
export function shownPayments (ledger: Pick<LedgerRecord, '_id' | 'payments' | 'carried'>): LatestPayment[] {
  const shown = (id: LatestPayment['id'], p: { amount: number, receivedAt: Date, method: string, reversed: boolean }): LatestPayment =>
    ({ id, leaseId: ledger._id, amount: p.amount, receivedAt: p.receivedAt, method: p.method, status: p.reversed ? 'reversed' : 'applied' })
  return [...ledger.payments.map((p) => shown(p._id, p)), ...ledger.carried.latestPayments.map((p) => shown(p.id, p))]
}
