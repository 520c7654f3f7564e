// The dashboard's summary: one document per agency holding counts, lease end
// dates, outstanding money by due day, charged and collected money by month,
// maintenance, the latest payments. The months live in the agency's document
// (a few dozen bytes a month) rather than a document each: the dashboard then
// costs one _id lookup, while fetching twelve month documents with $in is a
// collection scan on the local server. Writes keep it current with atomic
// single-document updates: $inc for money deltas, and for recounted widgets a
// $set guarded by the time the recount started, so a slow recount never
// overwrites a newer one.
import type { Db, ObjectId } from 'mongodb'
import { isDuplicateKey } from './agency-collection.ts'
import type { MoneyContribution } from '../rollups/money-contribution.ts'

export type UnitCounts = Record<'vacant' | 'occupied' | 'notice' | 'offline', number>
export type PriorityCounts = Record<'urgent' | 'high' | 'normal' | 'low', number>

export interface LatestPayment {
  id: ObjectId
  leaseId: ObjectId
  amount: number
  receivedAt: Date
  method: string
  status: 'applied' | 'reversed'
}

export interface LeaseEnds { active: number, endingByDay: Record<string, number> }
export interface ResolutionStats { count: number, medianHours: number | null }

/** Widgets recomputed from their source collection on every write that touches them. */
export interface RecountedWidgets {
  properties: number
  units: UnitCounts
  /** active leases, and how many end on each day of the next LEASE_END_HORIZON_DAYS */
  leaseEnds: LeaseEnds
  maintenanceOpen: PriorityCounts
  /** requests resolved in the 30 days before the count, and their median hours from report to resolution */
  resolutions: ResolutionStats
}

export type RecountedWidget = keyof RecountedWidgets

export interface MonthFigures { charged: number, collected: number }

export interface AgencySummaryRecord extends Partial<RecountedWidgets> {
  _id: ObjectId
  countedAt?: Partial<Record<RecountedWidget, Date>>
  /** charged (by due date) and collected (by receipt date), by month YYYY-MM */
  months?: Record<string, MonthFigures>
  outstandingByDueDay?: Record<string, number>
  outstanding?: number
  credit?: number
  latestPayments?: LatestPayment[]
  updatedAt: Date
}

export const LATEST_PAYMENTS = 10

export class AgencySummariesRepository {
  readonly summaries
  readonly maxTimeMS: number

  constructor (db: Db, maxTimeMS: number) {
    this.summaries = db.collection<AgencySummaryRecord>('agency_summaries')
    this.maxTimeMS = maxTimeMS
  }

  private options (collection: string, method: string) {
    return { maxTimeMS: this.maxTimeMS, comment: `repo:${collection}.${method}` }
  }

  async get (agencyId: ObjectId): Promise<AgencySummaryRecord | null> {
    return await this.summaries.findOne({ _id: agencyId }, { ...this.options('agency_summaries', 'get'), projection: { _id: 1, properties: 1, units: 1, leaseEnds: 1, maintenanceOpen: 1, resolutions: 1, countedAt: 1, months: 1, outstandingByDueDay: 1, outstanding: 1, credit: 1, latestPayments: 1, updatedAt: 1 } })
  }

  /** Sets a recounted widget unless a recount that started later has set it already. */
  async setWidget<W extends RecountedWidget> (agencyId: ObjectId, widget: W, value: RecountedWidgets[W], countStartedAt: Date): Promise<void> {
    const stamp = `countedAt.${widget}`
    try {
      await this.summaries.updateOne(
        { _id: agencyId, $or: [{ [stamp]: { $lt: countStartedAt } }, { [stamp]: { $exists: false } }] },
        { $set: { [widget]: value, [stamp]: countStartedAt, updatedAt: new Date() } },
        { ...this.options('agency_summaries', 'setWidget'), upsert: true }
      )
    } catch (err) {
      if (!isDuplicateKey(err)) throw err // a newer recount is there already
    }
  }

  /**
   * Moves the money figures by a ledger change's delta ($inc) and puts a new
   * payment among the latest ones: one atomic update, nothing sent when it
   * changes nothing.
   */
  async applyMoneyDelta (agencyId: ObjectId, delta: MoneyContribution, received: LatestPayment | null = null): Promise<void> {
    const inc: Record<string, number> = {}
    for (const [day, amount] of delta.outstandingByDueDay) inc[`outstandingByDueDay.${day}`] = amount
    for (const [period, amount] of delta.charged) inc[`months.${period}.charged`] = amount
    for (const [period, amount] of delta.collected) inc[`months.${period}.collected`] = amount
    if (delta.outstanding !== 0) inc.outstanding = delta.outstanding
    if (delta.credit !== 0) inc.credit = delta.credit
    if (Object.keys(inc).length === 0 && received === null) return
    await this.summaries.updateOne({ _id: agencyId }, {
      ...(Object.keys(inc).length === 0 ? {} : { $inc: inc }),
      ...(received === null ? {} : { $push: { latestPayments: { $each: [received], $sort: { receivedAt: -1, id: -1 }, $slice: LATEST_PAYMENTS } } }),
      $set: { updatedAt: new Date() }
    }, { ...this.options('agency_summaries', 'applyMoneyDelta'), upsert: true })
  }

  async setPaymentStatus (agencyId: ObjectId, paymentId: ObjectId, status: LatestPayment['status'], method: string): Promise<void> {
    await this.summaries.updateOne({ _id: agencyId }, { $set: { 'latestPayments.$[p].status': status, 'latestPayments.$[p].method': method, updatedAt: new Date() } }, {
      ...this.options('agency_summaries', 'setPaymentStatus'), arrayFilters: [{ 'p.id': paymentId }]
    })
  }

  /** Reconciliation: replaces the money figures with a recomputation from the ledgers. */
  async replaceMoney (agencyId: ObjectId, total: MoneyContribution, latestPayments: LatestPayment[]): Promise<void> {
    await this.summaries.updateOne({ _id: agencyId }, {
      $set: {
        months: monthsOf(total),
        outstandingByDueDay: Object.fromEntries([...total.outstandingByDueDay].filter(([, amount]) => amount !== 0)),
        outstanding: total.outstanding,
        credit: total.credit,
        latestPayments,
        updatedAt: new Date()
      }
    }, { ...this.options('agency_summaries', 'replaceMoney'), upsert: true })
  }
}

/** Charged and collected by month, from a contribution (months with neither left out). */
export function monthsOf (total: MoneyContribution): Record<string, MonthFigures> {
  const periods = [...new Set([...total.charged.keys(), ...total.collected.keys()])].sort()
  return Object.fromEntries(periods
    .map((period) => [period, { charged: total.charged.get(period) ?? 0, collected: total.collected.get(period) ?? 0 }] as const)
    .filter(([, month]) => month.charged !== 0 || month.collected !== 0))
}
