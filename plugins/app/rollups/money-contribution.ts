// What one lease's ledger adds to its agency's money figures: charged per month
// (by due date), collected per month (by receipt date), and what is still
// outstanding per due day (aging is computed from that at read time, so it stays
// right as days pass). A ledger change moves the agency's figures by the
// difference between the ledger's contribution after and before it.
import { settlementOf, type LedgerFacts } from '../ledger/read-models.ts'
import type { Settlement } from '../ledger/allocate.ts'
import type { LedgerRecord } from '../repositories/ledgers.ts'
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

function mapDelta (before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>()
  for (const [key, value] of after) add(delta, key, value - (before.get(key) ?? 0))
  for (const [key, value] of before) if (!after.has(key)) add(delta, key, -value)
  return delta
}

export function contributionDelta (before: MoneyContribution, after: MoneyContribution): MoneyContribution {
  return {
    charged: mapDelta(before.charged, after.charged),
    collected: mapDelta(before.collected, after.collected),
    outstandingByDueDay: mapDelta(before.outstandingByDueDay, after.outstandingByDueDay),
    outstanding: after.outstanding - before.outstanding,
    credit: after.credit - before.credit
  }
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
