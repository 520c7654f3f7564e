// The money rule of a lease, as a pure function: payments (oldest received
// first) settle charges (oldest due first). What is left of the payments is
// credit, which settles charges created later. Voided charges and reversed
// payments take no part. Recomputing from the facts after every change makes a
// reversal or a void simply "the same ledger without that item", and makes the
// result independent of the order in which the facts arrived.

export interface LedgerCharge {
  id: string
  kind: string
  /** rent charges carry "rent:YYYY-MM": one per period */
  key: string | null
  dueDate: Date
  amount: number
  voided: boolean
  createdAt: Date
}

export interface LedgerPayment {
  id: string
  amount: number
  receivedAt: Date
  reversed: boolean
}

export interface Allocation { paymentId: string, chargeId: string, amount: number }

export interface Settlement {
  allocations: Allocation[]
  /** per charge id: the part paid */
  paid: Map<string, number>
  /** per payment id: the part applied to charges */
  applied: Map<string, number>
  totalCharged: number
  totalPaid: number
  outstanding: number
  credit: number
}

const byDue = (a: LedgerCharge, b: LedgerCharge) =>
  a.dueDate.getTime() - b.dueDate.getTime() || a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id)
const byReceipt = (a: LedgerPayment, b: LedgerPayment) =>
  a.receivedAt.getTime() - b.receivedAt.getTime() || a.id.localeCompare(b.id)

export function settle (charges: readonly LedgerCharge[], payments: readonly LedgerPayment[]): Settlement {
  const due = charges.filter((charge) => !charge.voided).sort(byDue)
  const received = payments.filter((payment) => !payment.reversed).sort(byReceipt)
  const paid = new Map(charges.map((charge) => [charge.id, 0]))
  const applied = new Map(payments.map((payment) => [payment.id, 0]))
  const allocations: Allocation[] = []

  let chargeIndex = 0
  for (const payment of received) {
    let left = payment.amount
    while (left > 0 && chargeIndex < due.length) {
      const charge = due[chargeIndex]!
      const owed = charge.amount - paid.get(charge.id)!
      const amount = Math.min(owed, left)
      if (amount > 0) {
        allocations.push({ paymentId: payment.id, chargeId: charge.id, amount })
        paid.set(charge.id, paid.get(charge.id)! + amount)
        applied.set(payment.id, applied.get(payment.id)! + amount)
        left -= amount
      }
      if (paid.get(charge.id) === charge.amount) chargeIndex++
    }
  }

  const totalCharged = due.reduce((sum, charge) => sum + charge.amount, 0)
  const totalPaid = received.reduce((sum, payment) => sum + payment.amount, 0)
  const settled = allocations.reduce((sum, allocation) => sum + allocation.amount, 0)
  return { allocations, paid, applied, totalCharged, totalPaid, outstanding: totalCharged - settled, credit: totalPaid - settled }
}

export const AGING_BUCKETS = ['0-30', '31-60', '61-90', '90+'] as const
export type AgingBucket = typeof AGING_BUCKETS[number]

const DAY_MS = 86_400_000

/** Days past due of a charge on a date (0 when not yet due). */
export function daysPastDue (dueDate: Date, on: Date): number {
  return Math.max(0, Math.floor((on.getTime() - dueDate.getTime()) / DAY_MS))
}

export function agingBucket (days: number): AgingBucket {
  if (days <= 30) return '0-30'
  if (days <= 60) return '31-60'
  if (days <= 90) return '61-90'
  return '90+'
}

/** Outstanding amounts by age; a charge not yet due counts in 0-30. */
export function aging (charges: readonly LedgerCharge[], paid: ReadonlyMap<string, number>, on: Date): Record<AgingBucket, number> {
  const buckets: Record<AgingBucket, number> = { '0-30': 0, '31-60': 0, '61-90': 0, '90+': 0 }
  for (const charge of charges) {
    if (charge.voided) continue
    const open = charge.amount - (paid.get(charge.id) ?? 0)
    if (open > 0) buckets[agingBucket(daysPastDue(charge.dueDate, on))] += open
  }
  return buckets
}
