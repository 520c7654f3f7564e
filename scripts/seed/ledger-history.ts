// The money of one lease as its ledger holds it at the anchor: the deposit raised at
// activation, the monthly rent the daily job raised, a few fees, and the tenant's payments as
// they came: mostly on time, some late, some in parts, a few bounced and paid again, and
// arrears that are still open. Only the facts are made up here; the totals and, downstream,
// every allocation and read model come from the application's own money code (settlementOf,
// chargeDocs, paymentDocs, contributionOf).
import { NOTHING_FOLDED, type LedgerChargeRecord, type LedgerPaymentRecord, type LedgerRecord } from '../../plugins/app/repositories/ledgers.ts'
import type { ChargeKind } from '../../plugins/app/repositories/charges.ts'
import type { PaymentMethod } from '../../plugins/app/repositories/payments.ts'
import { periodOf } from '../../plugins/app/ledger/rent-schedule.ts'
import { settlementOf } from '../../plugins/app/ledger/read-models.ts'
import { addDays, addMonths, addMs, beforeAnchor, day, DAY_MS, HOUR_MS, latest } from './dates.ts'
import { seededId } from './ids.ts'
import type { AgencyPlan, SeedPlan } from './plan.ts'
import { rng, type Rng } from './prng.ts'
import { rentRaisedAt, rentScheduleOf, type LeasePlan } from './tenancies.ts'

/** Id space per lease and collection: a five-year lease holds ~61 rents and at most ~130 payments. */
const ITEMS_PER_LEASE = 256
/** A long ledger's items, and where their ids start (above every normal lease's: L's largest agency needs 6.4M). */
export const LONG_LEDGER_ITEMS = 10_000
const LONG_ID_BASE = 2 ** 23

type Payer = 'punctual' | 'late' | 'partial' | 'arrears'
const PAYERS: ReadonlyArray<[Payer, number]> = [['punctual', 0.62], ['late', 0.18], ['partial', 0.1], ['arrears', 0.1]]
const METHODS: readonly PaymentMethod[] = ['direct_debit', 'direct_debit', 'bank_transfer', 'bank_transfer', 'bank_transfer', 'card', 'cash', 'check']
const REVERSAL_SHARE = 0.01
const OVERPAY_SHARE = 0.02
const EXTRA_CHARGE_SHARE = 0.03
const VOID_SHARE = 0.08
const EXTRAS: ReadonlyArray<{ kind: ChargeKind, description: string }> = [
  { kind: 'utility', description: 'Water and sewerage' },
  { kind: 'utility', description: 'Shared heating' },
  { kind: 'repair', description: 'Repair: broken window pane' },
  { kind: 'repair', description: 'Replacement keys' },
  { kind: 'other', description: 'Cleaning at check-out' }
]

/**
 * The leases with a long history: the active lease of each of the agency's first
 * `longLedgers` units. Besides its rent, such a tenant is charged for a metered
 * service (parking, laundry, utilities) many times a day and pays each charge a few
 * hours later, until the ledger holds LONG_LEDGER_ITEMS items; and pays the rent on time.
 */
export function isLongLedger (agency: AgencyPlan, lease: LeasePlan): boolean {
  return lease.status === 'active' && lease.unit.index < agency.longLedgers
}

function payerOf (r: Rng): Payer {
  let roll = r.next()
  for (const [payer, share] of PAYERS) {
    if (roll < share) return payer
    roll -= share
  }
  return 'punctual'
}

function reference (method: PaymentMethod, period: string, r: Rng): string | null {
  switch (method) {
    case 'bank_transfer': return `Rent ${period}`
    case 'direct_debit': return `DD ${period}`
    case 'check': return `Cheque ${r.int(100_000, 999_999)}`
    default: return null
  }
}

/** The ledger of a lease that was activated, or null when nothing happened to its money before the anchor. */
export function ledgerOf (agency: AgencyPlan, lease: LeasePlan, plan: SeedPlan): LedgerRecord | null {
  const activatedAt = lease.activatedAt
  if (activatedAt === null) return null
  const { anchor } = plan
  const r = rng(plan.seed, 'ledger', agency.index, lease.index)
  // A long history is a punctual tenant's (the stream is drawn all the same, so other leases keep theirs).
  const drawn = payerOf(r)
  const payer = isLongLedger(agency, lease) ? 'punctual' : drawn
  const method = r.pick(METHODS)
  const charges: LedgerChargeRecord[] = []
  const payments: LedgerPaymentRecord[] = []
  const lateFee = r.int(25, 60) * 100
  let changes = 0

  const charge = (kind: ChargeKind, key: string | null, description: string, dueDate: Date, amount: number, raisedAt: Date): LedgerChargeRecord | null => {
    // Money moves only once the lease is active.
    const createdAt = latest(raisedAt, activatedAt)
    if (createdAt >= anchor) return null
    const record: LedgerChargeRecord = {
      _id: seededId(createdAt, 'charges', agency.index, lease.index * ITEMS_PER_LEASE + charges.length),
      kind, key, description, dueDate, amount, voided: false, voidedAt: null, createdAt
    }
    charges.push(record)
    changes++
    return record
  }

  /** A fee is sometimes voided (waived); otherwise the tenant owes it with the next payment. */
  const voidOrOwe = (record: LedgerChargeRecord): number => {
    const voidedAt = addDays(record.createdAt, r.int(1, 10))
    if (r.chance(VOID_SHARE) && voidedAt < anchor) {
      record.voided = true
      record.voidedAt = voidedAt
      changes++
      return 0
    }
    return record.amount
  }

  const pay = (amount: number, receivedAt: Date, period: string, replacement = false): void => {
    const received = latest(receivedAt, addMs(activatedAt, HOUR_MS))
    if (amount <= 0 || received >= anchor) return
    const createdAt = beforeAnchor(addMs(received, r.int(0, 6) * HOUR_MS), anchor)
    const bounced = !replacement && r.chance(REVERSAL_SHARE)
    const reversedAt = bounced ? addDays(received, r.int(2, 6)) : null
    const reversed = reversedAt !== null && reversedAt < anchor
    payments.push({
      _id: seededId(createdAt, 'payments', agency.index, lease.index * ITEMS_PER_LEASE + payments.length),
      amount, receivedAt: received, method, reference: reference(method, period, r),
      reversed, reversedAt: reversed ? reversedAt : null, reversalReason: reversed ? 'Returned by the bank: insufficient funds' : null, createdAt
    })
    changes += reversed ? 2 : 1
    // A bounced payment is made good a few days later.
    if (reversed) pay(amount, addDays(reversedAt, r.int(1, 7)), period, true)
  }

  if (lease.deposit > 0) {
    charge('deposit', 'deposit', 'Deposit', lease.startDate, lease.deposit, activatedAt)
    pay(lease.deposit, addMs(activatedAt, r.int(1, 72) * HOUR_MS), periodOf(lease.startDate))
  }

  // Arrears: the last months before the anchor (or the lease's end) go unpaid.
  const stopsPaying = payer === 'arrears' ? addMonths(lease.endDate !== null && lease.status !== 'active' ? lease.endDate : anchor, -r.int(1, 6)) : null
  let pending = 0
  for (const dueDate of rentScheduleOf(lease, anchor).dueDates) {
    const period = periodOf(dueDate)
    charge('rent', `rent:${period}`, `Rent ${period}`, dueDate, lease.rent, rentRaisedAt(dueDate, activatedAt, anchor))

    if (r.chance(EXTRA_CHARGE_SHARE)) {
      const extra = r.pick(EXTRAS)
      const due = addDays(dueDate, r.int(3, 20))
      const raised = charge(extra.kind, null, extra.description, due, r.int(20, 300) * 100, addMs(due, -r.int(0, 5) * DAY_MS + 10 * HOUR_MS))
      if (raised !== null) pending += voidOrOwe(raised)
    }

    // On time: on the due day or within three days of it (a standing order, a transfer that takes a day or two).
    const onTime = addMs(addDays(dueDate, r.int(0, 3)), r.int(8, 20) * HOUR_MS)
    const overpay = r.chance(OVERPAY_SHARE) ? r.int(1, 20) * 500 : 0
    if (stopsPaying !== null && dueDate >= stopsPaying) {
      if (r.chance(0.3)) pay(Math.round(lease.rent / 2), addDays(onTime, r.int(0, 20)), period)
    } else if (payer === 'late' && r.chance(0.3)) {
      const paidOn = addDays(dueDate, r.int(5, 45))
      if (r.chance(0.5)) {
        const fee = charge('fee', null, 'Late payment fee', addDays(dueDate, 14), lateFee, addMs(addDays(dueDate, 14), 10 * HOUR_MS))
        if (fee !== null) pending += voidOrOwe(fee)
      }
      pay(lease.rent + pending + overpay, paidOn, period)
      pending = 0
    } else if (payer === 'partial' && r.chance(0.4)) {
      const part = Math.round(lease.rent * (0.5 + r.next() * 0.4))
      pay(part, onTime, period)
      pay(lease.rent - part + pending, addDays(onTime, r.int(10, 40)), period)
      pending = 0
    } else {
      pay(lease.rent + pending + overpay, onTime, period)
      pending = 0
    }
  }

  if (isLongLedger(agency, lease)) {
    const long = rng(plan.seed, 'long-ledger', agency.index, lease.index)
    const pairs = Math.floor((LONG_LEDGER_ITEMS - charges.length - payments.length) / 2)
    const from = addMs(activatedAt, HOUR_MS).getTime()
    const step = (addDays(anchor, -2).getTime() - from) / pairs
    for (let k = 0; k < pairs; k++) {
      const at = new Date(from + Math.floor(k * step))
      const amount = long.int(2, 40) * 50
      const id = LONG_ID_BASE + lease.unit.index * LONG_LEDGER_ITEMS + k
      charges.push({ _id: seededId(at, 'charges', agency.index, id), kind: 'utility', key: null, description: 'Metered service', dueDate: day(at), amount, voided: false, voidedAt: null, createdAt: at })
      const receivedAt = addMs(at, long.int(1, 6) * HOUR_MS)
      payments.push({ _id: seededId(receivedAt, 'payments', agency.index, id), amount, receivedAt, method, reference: null, reversed: false, reversedAt: null, reversalReason: null, createdAt: receivedAt })
      changes += 2
    }
  }

  if (charges.length === 0 && payments.length === 0) return null
  charges.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
  payments.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
  const settlement = settlementOf({ charges, payments, carried: NOTHING_FOLDED })
  const stamps = [...charges.flatMap((c) => c.voidedAt === null ? [c.createdAt] : [c.createdAt, c.voidedAt]), ...payments.flatMap((p) => p.reversedAt === null ? [p.createdAt] : [p.createdAt, p.reversedAt])]
  return {
    _id: lease.id,
    agencyId: agency.id,
    propertyId: lease.unit.property._id,
    unitId: lease.unit.id,
    version: changes,
    charges,
    payments,
    carried: NOTHING_FOLDED,
    totalCharged: settlement.totalCharged,
    totalPaid: settlement.totalPaid,
    outstanding: settlement.outstanding,
    credit: settlement.credit,
    dirtySince: null,
    updatedAt: beforeAnchor(latest(...stamps), anchor)
  }
}
