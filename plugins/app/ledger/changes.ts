// The changes a ledger accepts, applied to its facts as pure functions. Each is
// idempotent by item id: a change whose effect is already in the ledger is
// "not applied", which is how a replayed request or a re-run job stays a no-op.
import type { ObjectId } from 'mongodb'
import type { LedgerChargeRecord, LedgerPaymentRecord } from '../repositories/ledgers.ts'
import type { PaymentMethod } from '../repositories/payments.ts'
import { codedError } from '../error-handler.ts'

export type LedgerChange =
  | { type: 'addCharge', charge: LedgerChargeRecord }
  | { type: 'voidCharge', chargeId: ObjectId }
  | { type: 'describeCharge', chargeId: ObjectId, description: string }
  | { type: 'addPayment', payment: LedgerPaymentRecord }
  | { type: 'reversePayment', paymentId: ObjectId, reason: string }
  | { type: 'amendPayment', paymentId: ObjectId, method?: PaymentMethod | undefined, reference?: string | null | undefined }

export interface Facts {
  charges: LedgerChargeRecord[]
  payments: LedgerPaymentRecord[]
}

export interface ChangeOutcome {
  facts: Facts
  applied: boolean
  /** the item the change is about (its projection is rewritten even if its amounts did not move) */
  itemId: ObjectId
}

function chargeIndex (facts: Facts, id: ObjectId): number {
  const index = facts.charges.findIndex((charge) => charge._id.equals(id))
  if (index < 0) throw codedError(404, 'NOT_FOUND', 'No such charge on this lease')
  return index
}

function paymentIndex (facts: Facts, id: ObjectId): number {
  const index = facts.payments.findIndex((payment) => payment._id.equals(id))
  if (index < 0) throw codedError(404, 'NOT_FOUND', 'No such payment on this lease')
  return index
}

function replaced<T> (items: T[], index: number, item: T): T[] {
  return items.map((existing, i) => i === index ? item : existing)
}

export function applyChange (facts: Facts, change: LedgerChange, now: Date): ChangeOutcome {
  switch (change.type) {
    case 'addCharge': {
      const { charge } = change
      const present = facts.charges.some((c) => c._id.equals(charge._id) || (charge.key !== null && c.key === charge.key && !c.voided))
      return { facts: present ? facts : { ...facts, charges: [...facts.charges, charge] }, applied: !present, itemId: charge._id }
    }
    case 'voidCharge': {
      const index = chargeIndex(facts, change.chargeId)
      const charge = facts.charges[index]!
      if (charge.voided) return { facts, applied: false, itemId: charge._id }
      return { facts: { ...facts, charges: replaced(facts.charges, index, { ...charge, voided: true, voidedAt: now }) }, applied: true, itemId: charge._id }
    }
    case 'describeCharge': {
      const index = chargeIndex(facts, change.chargeId)
      const charge = facts.charges[index]!
      if (charge.description === change.description) return { facts, applied: false, itemId: charge._id }
      return { facts: { ...facts, charges: replaced(facts.charges, index, { ...charge, description: change.description }) }, applied: true, itemId: charge._id }
    }
    case 'addPayment': {
      const { payment } = change
      const present = facts.payments.some((p) => p._id.equals(payment._id))
      return { facts: present ? facts : { ...facts, payments: [...facts.payments, payment] }, applied: !present, itemId: payment._id }
    }
    case 'reversePayment': {
      const index = paymentIndex(facts, change.paymentId)
      const payment = facts.payments[index]!
      if (payment.reversed) return { facts, applied: false, itemId: payment._id }
      const reversed = { ...payment, reversed: true, reversedAt: now, reversalReason: change.reason }
      return { facts: { ...facts, payments: replaced(facts.payments, index, reversed) }, applied: true, itemId: payment._id }
    }
    case 'amendPayment': {
      const index = paymentIndex(facts, change.paymentId)
      const payment = facts.payments[index]!
      const amended = { ...payment, method: change.method ?? payment.method, reference: change.reference === undefined ? payment.reference : change.reference }
      const same = amended.method === payment.method && amended.reference === payment.reference
      return { facts: same ? facts : { ...facts, payments: replaced(facts.payments, index, amended) }, applied: !same, itemId: payment._id }
    }
  }
}
