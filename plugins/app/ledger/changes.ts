// The changes a ledger accepts, applied to its facts as pure functions. Each is
// idempotent by item id: a change whose effect is already in the ledger is
// "not applied", which is how a replayed request or a re-run job stays a no-op.
import type { ObjectId } from 'mongodb'
import type { CarriedBalance, LedgerChargeRecord, LedgerPaymentRecord } from '../repositories/ledgers.ts'
import type { PaymentMethod } from '../repositories/payments.ts'
import { CALENDAR_RANGE, inCalendarRange, isoDate } from '../repositories/calendar.ts'
import { codedError } from '../error-handler.ts'
import { chargeIsOpen, paymentIsOpen } from './fold.ts'

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
  /** the folded history: read here, never changed by a change */
  carried: CarriedBalance
}

export interface ChangeOutcome {
  facts: Facts
  applied: boolean
  /** the item the change is about (its projection is rewritten even if its amounts did not move) */
  itemId: ObjectId
}

const closed = (message: string) => codedError(409, 'LEDGER_CLOSED', message)

// An item the caller found (through its document) but the ledger no longer holds was folded.
function chargeIndex (facts: Facts, id: ObjectId): number {
  const index = facts.charges.findIndex((charge) => charge._id.equals(id))
  if (index >= 0) return index
  if (facts.carried.charges > 0) throw closed('This charge belongs to the lease\'s closed history, whose allocations are final: it can no longer change')
  throw codedError(404, 'NOT_FOUND', 'No such charge on this lease')
}

function paymentIndex (facts: Facts, id: ObjectId): number {
  const index = facts.payments.findIndex((payment) => payment._id.equals(id))
  if (index >= 0) return index
  if (facts.carried.payments > 0) throw closed('This payment belongs to the lease\'s closed history, whose allocations are final: it can no longer change')
  throw codedError(404, 'NOT_FOUND', 'No such payment on this lease')
}

function requireInRange (date: Date, what: string): void {
  if (!inCalendarRange(date)) throw codedError(409, 'DATE_OUT_OF_RANGE', `${what} ${date.toISOString()} is outside ${CALENDAR_RANGE}`)
}

function replaced<T> (items: T[], index: number, item: T): T[] {
  return items.map((existing, i) => i === index ? item : existing)
}

export function applyChange (facts: Facts, change: LedgerChange, now: Date): ChangeOutcome {
  switch (change.type) {
    case 'addCharge': {
      const { charge } = change
      const present = facts.charges.some((c) => c._id.equals(charge._id) || (charge.key !== null && c.key === charge.key && !c.voided)) ||
        (charge.key !== null && facts.carried.keys.includes(charge.key))
      if (present) return { facts, applied: false, itemId: charge._id }
      requireInRange(charge.dueDate, 'The due date')
      if (!chargeIsOpen(facts.carried, charge)) throw closed(`This lease's history is closed up to charges due ${isoDate(facts.carried.lastCharge!.dueDate)}: a charge must be due after that`)
      return { facts: { ...facts, charges: [...facts.charges, charge] }, applied: true, itemId: charge._id }
    }
    case 'voidCharge': {
      const index = chargeIndex(facts, change.chargeId)
      const charge = facts.charges[index]!
      if (charge.voided) return { facts, applied: false, itemId: charge._id }
      if ((charge.paidBefore ?? 0) > 0) throw closed('This charge was partly paid by payments of the lease\'s closed history: it can no longer be voided')
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
      if (facts.payments.some((p) => p._id.equals(payment._id))) return { facts, applied: false, itemId: payment._id }
      requireInRange(payment.receivedAt, 'The receipt time')
      if (!paymentIsOpen(facts.carried, payment)) throw closed(`This lease's history is closed up to payments received ${facts.carried.lastPayment!.receivedAt.toISOString()}: a payment must be received after that`)
      return { facts: { ...facts, payments: [...facts.payments, payment] }, applied: true, itemId: payment._id }
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
