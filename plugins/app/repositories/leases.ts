// Leases: a unit let to one or more tenants between two dates, for a rent due
// on a day of the month. Status moves draft → active → ended | terminated, or
// draft → cancelled. While a lease is active it holds `activeUnitId` (unique,
// sparse): the database itself refuses a second active lease on a unit.
import type { Db, ObjectId } from 'mongodb'
import { AgencyCollection, type AgencyDoc, type ListQuery, type Page } from './agency-collection.ts'
import { leases as indexes } from '../../../migrations/mongo/leases.ts'
import type { Lease } from '../../../schemas/lease.ts'
import { isoDate } from './calendar.ts'

export const LEASE_STATUSES = ['draft', 'active', 'ended', 'terminated', 'cancelled'] as const
export type LeaseStatus = typeof LEASE_STATUSES[number]
export const CLOSED_STATUSES: readonly LeaseStatus[] = ['ended', 'terminated', 'cancelled']

export interface LeaseRecord extends AgencyDoc {
  unitId: ObjectId
  propertyId: ObjectId
  tenantIds: ObjectId[]
  startDate: Date
  endDate: Date | null
  rent: number
  deposit: number
  dueDay: number
  status: LeaseStatus
  notes?: string
  activeUnitId?: ObjectId
  /** the due date of the next rent charge to generate; set while active */
  nextRentDueDate: Date | null
  activatedAt: Date | null
  endedAt: Date | null
  endReason: string | null
}

const PROJECTION = {
  agencyId: 1, unitId: 1, propertyId: 1, tenantIds: 1, startDate: 1, endDate: 1, rent: 1, deposit: 1, dueDay: 1, status: 1, notes: 1,
  nextRentDueDate: 1, activatedAt: 1, endedAt: 1, endReason: 1, createdAt: 1, updatedAt: 1
} as const

export class LeasesRepository {
  readonly leases: AgencyCollection<LeaseRecord>

  constructor (db: Db, maxTimeMS: number) {
    this.leases = new AgencyCollection<LeaseRecord>(db, 'leases', { maxTimeMS, indexes, projection: PROJECTION })
  }

  /** The lease with this id: the one given, or the one created before with it (an idempotent create resumed). */
  create (record: LeaseRecord): Promise<LeaseRecord> {
    return this.leases.insertOnce(record, 'create')
  }

  findById (agencyId: ObjectId, id: ObjectId): Promise<LeaseRecord | null> {
    return this.leases.findById(agencyId, id)
  }

  list (agencyId: ObjectId, query: ListQuery): Promise<Page<LeaseRecord>> {
    return this.leases.list(agencyId, query)
  }

  /** Dashboard: active leases by end date (YYYY-MM-DD; null for leases without an end). */
  activeByEndDate (agencyId: ObjectId): Promise<Map<string | null, number>> {
    return this.leases.countBy(agencyId, { status: 'active' }, { $dateToString: { format: '%Y-%m-%d', date: '$endDate' } }, 'activeByEndDate')
  }

  /** The active lease of a unit, if any (a point lookup on the unique activeUnitId). */
  async activeOnUnit (agencyId: ObjectId, unitId: ObjectId): Promise<LeaseRecord | null> {
    return await this.leases.collection.findOne(this.leases.scoped(agencyId, { activeUnitId: unitId }), this.leases.readOptions('activeOnUnit'))
  }

  /** The active leases of a batch of units (point lookups on the unique activeUnitId). */
  async activeOnUnits (agencyId: ObjectId, unitIds: ObjectId[]): Promise<LeaseRecord[]> {
    if (unitIds.length === 0) return []
    return await this.leases.collection.find(this.leases.scoped(agencyId, { activeUnitId: { $in: unitIds } }), this.leases.readOptions('activeOnUnits')).toArray()
  }

  /** Key lookups for a batch (reports join leases to their rows). */
  findByIds (agencyId: ObjectId, ids: ObjectId[]): Promise<LeaseRecord[]> {
    return this.leases.findByIds(agencyId, ids)
  }

  /** A tenant's leases, newest first (a person rarely has more than a handful). */
  async forTenant (agencyId: ObjectId, tenantId: ObjectId, limit = 100): Promise<LeaseRecord[]> {
    const page = await this.leases.list(agencyId, { equals: { tenantIds: tenantId }, sort: { field: 'createdAt', direction: -1 }, limit }, 'forTenant')
    return page.items
  }

  /** Changes a lease only while it is in one of the given statuses. */
  update (agencyId: ObjectId, id: ObjectId, set: Partial<LeaseRecord>, inStatus: readonly LeaseStatus[]): Promise<LeaseRecord | null> {
    return this.leases.updateById(agencyId, id, { $set: set }, 'update', { status: { $in: inStatus } })
  }

  /** Draft → active; throws E11000 when the unit already has an active lease. */
  activate (agencyId: ObjectId, id: ObjectId, unitId: ObjectId, nextRentDueDate: Date | null): Promise<LeaseRecord | null> {
    return this.leases.updateById(agencyId, id, {
      $set: { status: 'active', activeUnitId: unitId, activatedAt: new Date(), nextRentDueDate }
    }, 'activate', { status: 'draft' })
  }

  /** Active → ended or terminated: the unit is free again. */
  close (agencyId: ObjectId, id: ObjectId, status: 'ended' | 'terminated', endDate: Date, reason: string | null): Promise<LeaseRecord | null> {
    return this.leases.updateById(agencyId, id, {
      $set: { status, endDate, endedAt: new Date(), endReason: reason, nextRentDueDate: null },
      $unset: { activeUnitId: '' }
    }, 'close', { status: 'active' })
  }

  /** Moves the rent schedule on, only from the date the caller saw (a re-run never skips a month). */
  advanceRent (agencyId: ObjectId, id: ObjectId, from: Date, to: Date | null): Promise<LeaseRecord | null> {
    return this.leases.updateById(agencyId, id, { $set: { nextRentDueDate: to } }, 'advanceRent', { status: 'active', nextRentDueDate: from })
  }

  /** Scheduled job: the agencies with an active lease whose next rent is due by a date. */
  async adminAgenciesWithRentDue (by: Date): Promise<ObjectId[]> {
    const { maxTimeMS, comment } = this.leases.readOptions('adminAgenciesWithRentDue')
    return await this.leases.collection.distinct('agencyId', { status: 'active', nextRentDueDate: { $lte: by } }, { maxTimeMS, comment })
  }

  /** Scheduled job: a page of the agency's active leases with rent due by a date, in _id order after a position. */
  async rentDue (agencyId: ObjectId, by: Date, after: ObjectId | null, limit: number): Promise<LeaseRecord[]> {
    return await this.duePage(agencyId, { nextRentDueDate: { $lte: by } }, after, limit, 'rentDue')
  }

  /** Scheduled job: the agencies with an active lease that ended before a date. */
  async adminAgenciesWithExpired (before: Date): Promise<ObjectId[]> {
    const { maxTimeMS, comment } = this.leases.readOptions('adminAgenciesWithExpired')
    return await this.leases.collection.distinct('agencyId', { status: 'active', endDate: { $lt: before } }, { maxTimeMS, comment })
  }

  /** Scheduled job: a page of the agency's active leases that ended before a date, in _id order after a position. */
  async expired (agencyId: ObjectId, before: Date, after: ObjectId | null, limit: number): Promise<LeaseRecord[]> {
    return await this.duePage(agencyId, { endDate: { $lt: before } }, after, limit, 'expired')
  }

  private async duePage (agencyId: ObjectId, due: Record<string, unknown>, after: ObjectId | null, limit: number, method: string): Promise<LeaseRecord[]> {
    const filter = this.leases.scoped(agencyId, { status: 'active', ...due, ...(after === null ? {} : { _id: { $gt: after } }) })
    return await this.leases.collection.find(filter, this.leases.readOptions(method)).sort({ _id: 1 }).limit(limit).toArray() as LeaseRecord[]
  }
}

/** The API's view of a record (the schema's shape). */
export function presentLease (record: LeaseRecord): Lease {
  return {
    id: record._id.toHexString(),
    unitId: record.unitId.toHexString(),
    propertyId: record.propertyId.toHexString(),
    tenantIds: record.tenantIds.map((id) => id.toHexString()),
    startDate: isoDate(record.startDate),
    endDate: record.endDate === null ? null : isoDate(record.endDate),
    rent: record.rent,
    deposit: record.deposit,
    dueDay: record.dueDay,
    status: record.status,
    ...(record.notes !== undefined ? { notes: record.notes } : {}),
    nextRentDueDate: record.nextRentDueDate === null ? null : isoDate(record.nextRentDueDate),
    activatedAt: record.activatedAt?.toISOString() ?? null,
    endedAt: record.endedAt?.toISOString() ?? null,
    endReason: record.endReason,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString()
  }
}
