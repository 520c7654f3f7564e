// The tenancy history of each unit over the plan's history window: a lease, a gap, the next
// lease…, the last one still active at the anchor (or a vacant unit), plus the odd draft and
// cancelled lease. Not a collection: the units, tenants, leases, ledgers, charges, payments and
// maintenance generators replay it (one random stream per unit, so it is cheap and the same
// every time), which is how a lease id, its tenants and its dates agree across collections.
import type { ObjectId } from 'mongodb'
import type { LeaseStatus } from '../../plugins/app/repositories/leases.ts'
import type { UnitStatus } from '../../plugins/app/repositories/units.ts'
import { firstRentDueDate, followingRentDueDate, periodOf } from '../../plugins/app/ledger/rent-schedule.ts'
import { addDays, addMonths, addMs, beforeAnchor, day, DAY_MS, HOUR_MS, latest, MINUTE_MS } from './dates.ts'
import type { SeedContext } from './generator.ts'
import { seededId } from './ids.ts'
import { HISTORY_YEARS, type AgencyPlan } from './plan.ts'
import { unitsOf, type UnitPlan } from './portfolio.ts'
import { rng, type Rng } from './prng.ts'

export interface TenantRef { index: number, id: ObjectId, createdAt: Date }

export interface LeasePlan {
  /** agency-wide position: ids and the lease's money stream are keyed by it */
  index: number
  id: ObjectId
  unit: UnitPlan
  tenants: TenantRef[]
  startDate: Date
  endDate: Date | null
  rent: number
  deposit: number
  dueDay: number
  notes: string | undefined
  status: LeaseStatus
  createdAt: Date
  activatedAt: Date | null
  endedAt: Date | null
  endReason: string | null
}

export interface RentSchedule {
  /** the rent due dates the daily job raised before the anchor, oldest first */
  dueDates: Date[]
  /** the lease's nextRentDueDate: set while it is active */
  next: Date | null
  /** the lease's last write: its activation, closing, or the job moving its schedule on */
  leaseUpdatedAt: Date
}

export interface Tenancy {
  unit: UnitPlan
  leases: LeasePlan[]
  status: UnitStatus
  updatedAt: Date
}

const YEAR_MS = 365.25 * DAY_MS
const RENT_INFLATION = 0.03
const TERMINATED_SHARE = 0.15
const OPEN_ENDED_SHARE = 0.35
const DRAFT_SHARE = 0.2
const CANCELLED_SHARE = 0.02
const OFFLINE_SHARE = 0.15
const FIXED_TERMS = [6, 12, 12, 12, 24, 36] as const
const TERMINATION_REASONS = ['Tenant moved out early', 'Ended by mutual agreement', 'Rent arrears', 'Property sold with vacant possession'] as const
const LEASE_NOTES = ['Pets allowed: one cat.', 'Parking space 14 included.', 'Garden maintained by the tenant.', 'Break clause after 6 months.', 'Furnished.'] as const

/** When the daily job raised the rent due on a date: 00:10 UTC that day, or just after a late activation. */
export function rentRaisedAt (dueDate: Date, activatedAt: Date, anchor: Date): Date {
  return beforeAnchor(latest(addMs(dueDate, 10 * MINUTE_MS), addMs(activatedAt, 10 * MINUTE_MS)), anchor)
}

export function historyStart (anchor: Date): Date {
  return new Date(Date.UTC(anchor.getUTCFullYear() - HISTORY_YEARS, anchor.getUTCMonth(), anchor.getUTCDate()))
}

/** Months a tenant stays: some only a year or two, most several years (about 1.25 leases per unit over five years). */
function tenureMonths (r: Rng): number {
  if (r.chance(0.15)) return r.int(6, 24)
  return r.chance(0.4) ? r.int(25, 72) : r.int(73, 180)
}

/** Agency-wide positions of the next lease and tenant: ids are keyed by them. */
interface LeaseCounter { lease: number, tenant: number }

function rentAt (unit: UnitPlan, start: Date, anchor: Date, r: Rng): number {
  const yearsBefore = (anchor.getTime() - start.getTime()) / YEAR_MS
  return Math.max(500, Math.round(unit.marketRent * (1 + RENT_INFLATION) ** -yearsBefore * (0.92 + r.next() * 0.13) / 500) * 500)
}

interface LeaseDraft {
  status: LeaseStatus
  startDate: Date
  endDate: Date | null
  createdAt: Date
  activatedAt: Date | null
  endedAt: Date | null
  endReason: string | null
}

function makeLease (agency: AgencyPlan, unit: UnitPlan, draft: LeaseDraft, counter: LeaseCounter, anchor: Date, r: Rng): LeasePlan {
  const rent = rentAt(unit, draft.startDate, anchor, r)
  const deposit = r.chance(0.1) ? 0 : r.chance(0.67) ? rent : Math.round(rent * 1.5 / 500) * 500
  const dueDay = r.chance(0.6) ? 1 : Math.min(draft.startDate.getUTCDate(), 28)
  const notes = r.chance(0.08) ? r.pick(LEASE_NOTES) : undefined
  const tenantCount = r.chance(0.6) ? 1 : r.chance(0.82) ? 2 : 3
  const tenants = Array.from({ length: tenantCount }, (_, j) => {
    const index = counter.tenant++
    const createdAt = addMs(draft.createdAt, -(tenantCount - j) * MINUTE_MS)
    return { index, id: seededId(createdAt, 'tenants', agency.index, index), createdAt }
  })
  const index = counter.lease++
  return { index, id: seededId(draft.createdAt, 'leases', agency.index, index), unit, tenants, ...draft, rent, deposit, dueDay, notes }
}

/** Worked out only where needed (leases and money): most replays of the history never ask. */
export function rentScheduleOf (lease: LeasePlan, anchor: Date): RentSchedule {
  const dueDates: Date[] = []
  let next: Date | null = null
  if (lease.activatedAt !== null) {
    let due = firstRentDueDate(lease)
    while (due !== null && due < anchor) {
      dueDates.push(due)
      due = followingRentDueDate(periodOf(due), lease)
    }
    if (lease.status === 'active') next = due
  }
  const lastRaise = dueDates.length > 0 && lease.activatedAt !== null ? rentRaisedAt(dueDates.at(-1)!, lease.activatedAt, anchor) : null
  const leaseUpdatedAt = lease.status === 'active' ? latest(lease.activatedAt!, lastRaise ?? lease.activatedAt!) : lease.endedAt ?? lease.createdAt
  return { dueDates, next, leaseUpdatedAt }
}

function tenancyOf (agency: AgencyPlan, unit: UnitPlan, counter: LeaseCounter, anchor: Date, seed: number): Tenancy {
  const r = rng(seed, 'tenancy', agency.index, unit.index)
  const windowStart = latest(unit.createdAt, historyStart(anchor))
  const windowEnd = unit.archivedAt ?? anchor
  const leases: LeasePlan[] = []
  let cursor = windowStart
  let previousEnd: Date | null = null
  let active: LeasePlan | null = null

  for (;;) {
    const gap = leases.length === 0
      ? (unit.createdAt > historyStart(anchor) ? r.int(3, 45) : r.int(0, 60))
      : (r.chance(0.75) ? r.int(7, 45) : r.int(46, 200))
    let startDate = day(addDays(cursor, gap))
    if (r.chance(0.6) && startDate.getUTCDate() !== 1) startDate = new Date(Date.UTC(startDate.getUTCFullYear(), startDate.getUTCMonth() + 1, 1))
    if (startDate >= windowEnd) break
    const createdAt = latest(addMs(unit.createdAt, HOUR_MS), addMs(startDate, -r.int(2, 30) * DAY_MS + r.int(8, 18) * HOUR_MS))
    const activatedAt = beforeAnchor(latest(addMs(createdAt, r.int(0, 72) * HOUR_MS), previousEnd === null ? createdAt : addMs(previousEnd, HOUR_MS)), anchor)
    const tenureEnd = addDays(addMonths(startDate, tenureMonths(r)), -1)
    const fixedTerm = r.pick(FIXED_TERMS)

    let draft: LeaseDraft
    if (addDays(tenureEnd, 2) < windowEnd) {
      const terminated = r.chance(TERMINATED_SHARE)
      draft = terminated
        ? { status: 'terminated', startDate, endDate: tenureEnd, createdAt, activatedAt, endedAt: addMs(tenureEnd, r.int(8, 18) * HOUR_MS), endReason: r.pick(TERMINATION_REASONS) }
        : { status: 'ended', startDate, endDate: tenureEnd, createdAt, activatedAt, endedAt: addMs(tenureEnd, DAY_MS + 30 * MINUTE_MS + r.int(0, 300) * 1000), endReason: 'term ended' }
    } else if (unit.archivedAt === null) {
      // Still running at the anchor: open-ended, or within its current fixed term.
      let endDate: Date | null = null
      if (!r.chance(OPEN_ENDED_SHARE)) {
        let terms = 1
        while (addDays(addMonths(startDate, terms * fixedTerm), -1) < day(anchor)) terms++
        endDate = addDays(addMonths(startDate, terms * fixedTerm), -1)
      }
      draft = { status: 'active', startDate, endDate, createdAt, activatedAt, endedAt: null, endReason: null }
    } else {
      // The unit was archived: its last lease ended before that.
      const endDate = day(addDays(windowEnd, -r.int(2, 30)))
      if (endDate.getTime() - startDate.getTime() < 30 * DAY_MS) break
      draft = { status: 'ended', startDate, endDate, createdAt, activatedAt, endedAt: addMs(endDate, DAY_MS + 30 * MINUTE_MS), endReason: 'term ended' }
    }
    const lease = makeLease(agency, unit, draft, counter, anchor, r)
    leases.push(lease)
    if (lease.status === 'active') {
      active = lease
      break
    }
    previousEnd = lease.endedAt
    cursor = lease.endDate!
  }

  if (active === null && unit.archivedAt === null && r.chance(DRAFT_SHARE)) {
    // The next tenant is signing: a draft starting soon after the anchor.
    const startDate = day(addDays(anchor, r.int(5, 45)))
    const createdAt = beforeAnchor(latest(addMs(unit.createdAt, HOUR_MS), addMs(anchor, -r.int(1, 14) * DAY_MS)), anchor)
    leases.push(makeLease(agency, unit, { status: 'draft', startDate, endDate: addDays(addMonths(startDate, 12), -1), createdAt, activatedAt: null, endedAt: null, endReason: null }, counter, anchor, r))
  }
  if (r.chance(CANCELLED_SHARE)) {
    // A lease drawn up once and never signed.
    const createdAt = addMs(r.date(windowStart, addMs(windowEnd, -20 * DAY_MS)), HOUR_MS)
    if (createdAt > windowStart) {
      const startDate = day(addDays(createdAt, r.int(7, 30)))
      const endedAt = addMs(createdAt, r.int(1, 10) * DAY_MS)
      leases.push(makeLease(agency, unit, { status: 'cancelled', startDate, endDate: addDays(addMonths(startDate, 12), -1), createdAt, activatedAt: null, endedAt, endReason: null }, counter, anchor, r))
    }
  }

  let status: UnitStatus
  if (active !== null) status = active.endDate !== null && active.endDate.getTime() <= anchor.getTime() + 60 * DAY_MS && r.chance(0.5) ? 'notice' : 'occupied'
  else status = unit.archivedAt === null && r.chance(OFFLINE_SHARE) ? 'offline' : 'vacant'
  const unitEvents = leases.flatMap((l) => l.activatedAt === null ? [] : l.endedAt === null ? [l.activatedAt] : [l.activatedAt, l.endedAt])
  const updatedAt = beforeAnchor(latest(unit.createdAt, ...unitEvents, ...(unit.archivedAt === null ? [] : [unit.archivedAt])), anchor)
  return { unit, leases, status, updatedAt }
}

/** Every unit of the agency with its leases, in layout order. */
export function * tenanciesOf (agency: AgencyPlan, context: SeedContext): Generator<Tenancy> {
  const counter: LeaseCounter = { lease: 0, tenant: 0 }
  for (const unit of unitsOf(agency, context)) yield tenancyOf(agency, unit, counter, context.plan.anchor, context.plan.seed)
}
