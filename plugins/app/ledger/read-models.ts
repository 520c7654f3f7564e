// From a ledger version to its read models: the settlement of its facts, and
// the charge and payment documents the lists and the API read.
import { ObjectId } from 'mongodb'
import type { LedgerRecord } from '../repositories/ledgers.ts'
import type { ChargeRecord } from '../repositories/charges.ts'
import type { PaymentRecord } from '../repositories/payments.ts'
import { aging, settle, type AgingBucket, type Allocation, type LedgerCharge, type LedgerPayment, type Settlement } from './allocate.ts'

function ledgerCharges (ledger: Pick<LedgerRecord, 'charges'>): LedgerCharge[] {
  return ledger.charges.map((c) => ({
    id: c._id.toHexString(), kind: c.kind, key: c.key, dueDate: c.dueDate, amount: c.amount, voided: c.voided, createdAt: c.createdAt, paidBefore: c.paidBefore ?? 0
  }))
}

export type LedgerFacts = Pick<LedgerRecord, 'charges' | 'payments' | 'carried'>

export function settlementOf (ledger: LedgerFacts): Settlement {
  const charges = ledgerCharges(ledger)
  const payments: LedgerPayment[] = ledger.payments.map((p) => ({ id: p._id.toHexString(), amount: p.amount, receivedAt: p.receivedAt, reversed: p.reversed }))
  return settle(charges, payments, ledger.carried)
}

export function startOfUtcDay (at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()))
}

/** The items of a ledger with their ids (hex, from its settlement), all or those in `only`. */
export function itemsOf<T> (items: T[], ids: string[], only?: ReadonlySet<string>): Array<{ item: T, id: string }> {
  if (ids.length !== items.length) throw new Error('a settlement of another version of this ledger')
  const selected: Array<{ item: T, id: string }> = []
  for (let i = 0; i < items.length; i++) if (only === undefined || only.has(ids[i]!)) selected.push({ item: items[i]!, id: ids[i]! })
  return selected
}

export function chargeDocs (ledger: LedgerRecord, settlement: Settlement, now: Date, only?: ReadonlySet<string>): ChargeRecord[] {
  const today = startOfUtcDay(now)
  return itemsOf(ledger.charges, settlement.chargeIds, only).map(({ item: c, id }) => {
    const paid = c.voided ? 0 : settlement.paid.get(id) ?? 0
    const outstanding = c.voided ? 0 : c.amount - paid
    const status = c.voided ? 'voided' as const : outstanding === 0 ? 'paid' as const : 'open' as const
    return {
      _id: c._id,
      agencyId: ledger.agencyId,
      leaseId: ledger._id,
      propertyId: ledger.propertyId,
      unitId: ledger.unitId,
      kind: c.kind,
      period: c.key?.startsWith('rent:') === true ? c.key.slice('rent:'.length) : null,
      description: c.description,
      dueDate: c.dueDate,
      amount: c.amount,
      paid,
      outstanding,
      status,
      overdue: status === 'open' && c.dueDate < today,
      voidedAt: c.voidedAt,
      ledgerVersion: ledger.version,
      createdAt: c.createdAt,
      updatedAt: now
    }
  })
}

export function paymentDocs (ledger: LedgerRecord, settlement: Settlement, now: Date, only?: ReadonlySet<string>): PaymentRecord[] {
  return itemsOf(ledger.payments, settlement.paymentIds, only).map(({ item: p, id }) => {
    return {
      _id: p._id,
      agencyId: ledger.agencyId,
      leaseId: ledger._id,
      propertyId: ledger.propertyId,
      unitId: ledger.unitId,
      amount: p.amount,
      receivedAt: p.receivedAt,
      method: p.method,
      reference: p.reference,
      status: p.reversed ? 'reversed' as const : 'applied' as const,
      applied: settlement.applied.get(id) ?? 0,
      allocations: (settlement.byPayment.get(id) ?? []).map((a) => ({ chargeId: ObjectId.createFromHexString(a.chargeId), amount: a.amount })),
      reversedAt: p.reversedAt,
      reversalReason: p.reversalReason,
      ledgerVersion: ledger.version,
      createdAt: p.createdAt,
      updatedAt: now
    }
  })
}

function sameAllocations (a: readonly Allocation[] | undefined, b: readonly Allocation[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.length === b.length && a.every((x, i) => x.chargeId === b[i]!.chargeId && x.amount === b[i]!.amount)
}

/** Items whose derived amounts differ between two settlements of the same ledger (linear in its items). */
export function movedItems (before: Settlement, after: Settlement): Set<string> {
  const moved = new Set<string>()
  for (const [id, paid] of after.paid) if (before.paid.get(id) !== paid) moved.add(id)
  for (const [id, applied] of after.applied) if (before.applied.get(id) !== applied) moved.add(id)
  for (const id of new Set([...before.byPayment.keys(), ...after.byPayment.keys()])) {
    if (!sameAllocations(before.byPayment.get(id), after.byPayment.get(id))) moved.add(id)
  }
  return moved
}

export interface BalanceFigures {
  totalCharged: number
  totalPaid: number
  outstanding: number
  credit: number
  aging: Record<AgingBucket, number>
}

export function balanceOf (ledger: LedgerFacts | null, on: Date): BalanceFigures {
  if (ledger === null) return { totalCharged: 0, totalPaid: 0, outstanding: 0, credit: 0, aging: { '0-30': 0, '31-60': 0, '61-90': 0, '90+': 0 } }
  const settlement = settlementOf(ledger)
  return {
    totalCharged: settlement.totalCharged,
    totalPaid: settlement.totalPaid,
    outstanding: settlement.outstanding,
    credit: settlement.credit,
    aging: aging(ledgerCharges(ledger), settlement.paid, on)
  }
}
