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
  /** the part already paid by payments folded into the carried balance (ledger/fold.ts) */
  paidBefore?: number
}

export interface LedgerPayment {
  id: string
  amount: number
  receivedAt: Date
  reversed: boolean
}

export interface Allocation { paymentId: string, chargeId: string, amount: number }

/** What the folded part of a ledger adds: settled charges and fully applied payments. */
export interface Carried { charged: number, paid: number }

export interface Settlement {
  /** the ids of the charges and payments settled, in the order given (a ledger's: its items' ids as hex, worked out once) */
  chargeIds: string[]
  paymentIds: string[]
  allocations: Allocation[]
  /** per payment id: its allocations, in settlement order */
  byPayment: Map<string, Allocation[]>
  /** per charge id: the part paid */
  paid: Map<string, number>
  /** per payment id: the part applied to charges */
  applied: Map<string, number>
  totalCharged: number
  totalPaid: number
  outstanding: number
  credit: number
}

// Ids are lowercase hex of one length: comparing them as strings is their order.
const byId = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0
/** Settlement order of charges: oldest due first. */
export const byDue = (a: Pick<LedgerCharge, 'dueDate' | 'createdAt' | 'id'>, b: Pick<LedgerCharge, 'dueDate' | 'createdAt' | 'id'>) =>
  a.dueDate.getTime() - b.dueDate.getTime() || a.createdAt.getTime() - b.createdAt.getTime() || byId(a.id, b.id)
/** Settlement order of payments: oldest received first. */
export const byReceipt = (a: Pick<LedgerPayment, 'receivedAt' | 'id'>, b: Pick<LedgerPayment, 'receivedAt' | 'id'>) =>
  a.receivedAt.getTime() - b.receivedAt.getTime() || byId(a.id, b.id)

export const NOTHING_CARRIED: Carried = { charged: 0, paid: 0 }

/**
 * Settles in O(n log n): one sort of each side, then one pass that moves two
 * cursors forward. The carried part (fully settled, folded away) only adds to
 * the totals; a charge partly paid by folded payments owes the rest.
 */
export function settle (charges: readonly LedgerCharge[], payments: readonly LedgerPayment[], carried: Carried = NOTHING_CARRIED): Settlement {
  const due = charges.filter((charge) => !charge.voided).sort(byDue)
  const received = payments.filter((payment) => !payment.reversed).sort(byReceipt)
  const paid = new Map(charges.map((charge) => [charge.id, charge.voided ? 0 : charge.paidBefore ?? 0]))
  const applied = new Map(payments.map((payment) => [payment.id, 0]))
  const allocations: Allocation[] = []
  const byPayment = new Map<string, Allocation[]>()

  let chargeIndex = 0
  let settled = 0
  for (const payment of received) {
    let left = payment.amount
    const own: Allocation[] = []
    while (left > 0 && chargeIndex < due.length) {
      const charge = due[chargeIndex]!
      const chargePaid = paid.get(charge.id)!
      const amount = Math.min(charge.amount - chargePaid, left)
      if (amount > 0) {
        const allocation = { paymentId: payment.id, chargeId: charge.id, amount }
        allocations.push(allocation)
        own.push(allocation)
        paid.set(charge.id, chargePaid + amount)
        left -= amount
        settled += amount
      }
      if (paid.get(charge.id) === charge.amount) chargeIndex++
    }
    if (own.length > 0) byPayment.set(payment.id, own)
    applied.set(payment.id, payment.amount - left)
  }

  const totalCharged = carried.charged + due.reduce((sum, charge) => sum + charge.amount, 0)
  const totalPaid = carried.paid + received.reduce((sum, payment) => sum + payment.amount, 0)
  // Every carried payment was applied in full: to the carried charges and to the paidBefore parts.
  const settledTotal = carried.paid + settled
  return {
    chargeIds: charges.map((charge) => charge.id),
    paymentIds: payments.map((payment) => payment.id),
    allocations, byPayment, paid, applied, totalCharged, totalPaid, outstanding: totalCharged - settledTotal, credit: totalPaid - settledTotal
  }
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
