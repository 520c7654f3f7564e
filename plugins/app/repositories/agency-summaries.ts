// The dashboard's summary documents: one per agency (counts, lease end dates,
// outstanding money by due day, maintenance, the latest payments) and one per
// agency and month (charged and collected). Writes keep them current with
// single-document atomic updates: $inc for money deltas, and for recounted
// widgets a $set guarded by the time the recount started, so a slow recount
// never overwrites a newer one.
import type { AnyBulkWriteOperation, Db, ObjectId } from 'mongodb'
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

/** Widgets recomputed from their source collection on every write that touches them. */
export interface RecountedWidgets {
  properties: number
  units: UnitCounts
  /** active leases by end date (YYYY-MM-DD; "open" for leases without an end) */
  leaseEnds: Record<string, number>
  maintenanceOpen: PriorityCounts
  /** requests resolved in the last 30 days when counted: when, and hours from report to resolution */
  resolutions: Array<{ resolvedAt: Date, hours: number }>
}

export type RecountedWidget = keyof RecountedWidgets

export interface AgencySummaryRecord extends Partial<RecountedWidgets> {
  _id: ObjectId
  countedAt?: Partial<Record<RecountedWidget, Date>>
  outstandingByDueDay?: Record<string, number>
  outstanding?: number
  credit?: number
  latestPayments?: LatestPayment[]
  updatedAt: Date
}

export interface AgencyMonthRecord {
  _id: string
  agencyId: ObjectId
  period: string
  charged: number
  collected: number
}

export const LATEST_PAYMENTS = 10

export class AgencySummariesRepository {
  readonly summaries
  readonly months
  readonly maxTimeMS: number

  constructor (db: Db, maxTimeMS: number) {
    this.summaries = db.collection<AgencySummaryRecord>('agency_summaries')
    this.months = db.collection<AgencyMonthRecord>('agency_months')
    this.maxTimeMS = maxTimeMS
  }

  private options (collection: string, method: string) {
    return { maxTimeMS: this.maxTimeMS, comment: `repo:${collection}.${method}` }
  }

  async get (agencyId: ObjectId): Promise<AgencySummaryRecord | null> {
    return await this.summaries.findOne({ _id: agencyId }, { ...this.options('agency_summaries', 'get'), projection: { _id: 1, properties: 1, units: 1, leaseEnds: 1, maintenanceOpen: 1, resolutions: 1, outstandingByDueDay: 1, outstanding: 1, credit: 1, latestPayments: 1, updatedAt: 1 } })
  }

  async getMonths (agencyId: ObjectId, periods: string[]): Promise<AgencyMonthRecord[]> {
    const ids = periods.map((period) => `${agencyId.toHexString()}:${period}`)
    return await this.months.find({ _id: { $in: ids }, agencyId }, { ...this.options('agency_months', 'getMonths'), projection: { period: 1, charged: 1, collected: 1 } }).toArray()
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

  /** Moves the money figures by a ledger change's delta (atomic $inc, one document each). */
  async applyMoneyDelta (agencyId: ObjectId, delta: MoneyContribution): Promise<void> {
    const inc: Record<string, number> = {}
    for (const [day, amount] of delta.outstandingByDueDay) inc[`outstandingByDueDay.${day}`] = amount
    if (delta.outstanding !== 0) inc.outstanding = delta.outstanding
    if (delta.credit !== 0) inc.credit = delta.credit
    const periods = new Set([...delta.charged.keys(), ...delta.collected.keys()])
    const monthOps: AnyBulkWriteOperation<AgencyMonthRecord>[] = [...periods].map((period) => ({
      updateOne: {
        filter: { _id: `${agencyId.toHexString()}:${period}`, agencyId },
        update: { $inc: { charged: delta.charged.get(period) ?? 0, collected: delta.collected.get(period) ?? 0 }, $setOnInsert: { period } },
        upsert: true
      }
    }))
    await Promise.all([
      Object.keys(inc).length === 0
        ? undefined
        : this.summaries.updateOne({ _id: agencyId }, { $inc: inc, $set: { updatedAt: new Date() } }, { ...this.options('agency_summaries', 'applyMoneyDelta'), upsert: true }),
      monthOps.length === 0 ? undefined : this.months.bulkWrite(monthOps, { ...this.options('agency_months', 'applyMoneyDelta'), ordered: false })
    ])
  }

  async pushPayment (agencyId: ObjectId, payment: LatestPayment): Promise<void> {
    await this.summaries.updateOne({ _id: agencyId }, {
      $push: { latestPayments: { $each: [payment], $sort: { receivedAt: -1, id: -1 }, $slice: LATEST_PAYMENTS } },
      $set: { updatedAt: new Date() }
    }, { ...this.options('agency_summaries', 'pushPayment'), upsert: true })
  }

  async setPaymentStatus (agencyId: ObjectId, paymentId: ObjectId, status: LatestPayment['status'], method: string): Promise<void> {
    await this.summaries.updateOne({ _id: agencyId }, { $set: { 'latestPayments.$[p].status': status, 'latestPayments.$[p].method': method, updatedAt: new Date() } }, {
      ...this.options('agency_summaries', 'setPaymentStatus'), arrayFilters: [{ 'p.id': paymentId }]
    })
  }

  /** Reconciliation: every month of the agency that holds a figure. */
  async allMonths (agencyId: ObjectId): Promise<AgencyMonthRecord[]> {
    return await this.months.find({ agencyId }, { ...this.options('agency_months', 'allMonths'), projection: { period: 1, charged: 1, collected: 1 } }).sort({ period: 1 }).toArray()
  }

  /** Reconciliation: replaces the money figures with a recomputation from the ledgers. */
  async replaceMoney (agencyId: ObjectId, total: MoneyContribution, latestPayments: LatestPayment[], stalePeriods: string[]): Promise<void> {
    await this.summaries.updateOne({ _id: agencyId }, {
      $set: {
        outstandingByDueDay: Object.fromEntries([...total.outstandingByDueDay].filter(([, amount]) => amount !== 0)),
        outstanding: total.outstanding,
        credit: total.credit,
        latestPayments,
        updatedAt: new Date()
      }
    }, { ...this.options('agency_summaries', 'replaceMoney'), upsert: true })
    const periods = new Set([...total.charged.keys(), ...total.collected.keys()])
    const operations: AnyBulkWriteOperation<AgencyMonthRecord>[] = [
      ...[...periods].map((period) => ({
        updateOne: {
          filter: { _id: `${agencyId.toHexString()}:${period}`, agencyId },
          update: { $set: { period, charged: total.charged.get(period) ?? 0, collected: total.collected.get(period) ?? 0 } },
          upsert: true
        }
      })),
      ...stalePeriods.filter((period) => !periods.has(period)).map((period) => ({
        deleteOne: { filter: { _id: `${agencyId.toHexString()}:${period}`, agencyId } }
      }))
    ]
    if (operations.length > 0) await this.months.bulkWrite(operations, { ...this.options('agency_months', 'replaceMoney'), ordered: false })
  }
}
