// Maintenance requests of an agency's properties. resolvedAt and reportedAt are
// kept exact: the dashboard's median resolution time is computed from them.
// Deleting archives: a request is part of a property's history.
import type { Db, ObjectId, UpdateFilter } from 'mongodb'
import { AgencyCollection, type AgencyDoc, type ListQuery, type Page } from './agency-collection.ts'
import { maintenanceRequests as indexes } from '../../../migrations/mongo/maintenance-requests.ts'
import { MAINTENANCE_STATUSES, PRIORITIES, type MaintenanceRequest } from '../../../schemas/maintenance-request.ts'

export type Priority = typeof PRIORITIES[number]
export type MaintenanceStatus = typeof MAINTENANCE_STATUSES[number]

/** Stored beside the priority so that an ascending sort lists the most urgent first. */
export const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 }

export interface MaintenanceRequestRecord extends AgencyDoc {
  propertyId: ObjectId
  unitId: ObjectId | null
  tenantId: ObjectId | null
  title: string
  description: string
  priority: Priority
  priorityRank: number
  status: MaintenanceStatus
  assigneeId: ObjectId | null
  reportedAt: Date
  /** present exactly while the status is resolved (absent, not null, so that $min can set it once) */
  resolvedAt?: Date
  archived: boolean
  archivedAt: Date | null
}

export type MaintenanceRequestInput = Pick<MaintenanceRequestRecord, 'propertyId' | 'unitId' | 'tenantId' | 'title' | 'description' | 'priority' | 'status' | 'assigneeId' | 'reportedAt'>
export type MaintenanceRequestChanges = Partial<Pick<MaintenanceRequestRecord, 'unitId' | 'tenantId' | 'title' | 'description' | 'priority' | 'status' | 'assigneeId'>>

// priorityRank is a sort key: the keyset cursor is made from the last item's value.
const PROJECTION = {
  propertyId: 1, unitId: 1, tenantId: 1, title: 1, description: 1, priority: 1, priorityRank: 1, status: 1, assigneeId: 1,
  reportedAt: 1, resolvedAt: 1, archived: 1, archivedAt: 1, createdAt: 1, updatedAt: 1
} as const

export class MaintenanceRequestsRepository {
  readonly requests: AgencyCollection<MaintenanceRequestRecord>

  constructor (db: Db, maxTimeMS: number) {
    this.requests = new AgencyCollection<MaintenanceRequestRecord>(db, 'maintenance_requests', { maxTimeMS, indexes, projection: PROJECTION })
  }

  /** The caller checks the referenced property, unit, tenant and assignee. */
  async create (agencyId: ObjectId, id: ObjectId, input: MaintenanceRequestInput): Promise<MaintenanceRequestRecord> {
    const now = new Date()
    const record: MaintenanceRequestRecord = {
      _id: id,
      agencyId,
      ...input,
      priorityRank: PRIORITY_RANK[input.priority],
      ...(input.status === 'resolved' ? { resolvedAt: now } : {}),
      archived: false,
      archivedAt: null,
      createdAt: now,
      updatedAt: now
    }
    return await this.requests.insertOnce(record, 'create')
  }

  findById (agencyId: ObjectId, id: ObjectId): Promise<MaintenanceRequestRecord | null> {
    return this.requests.findById(agencyId, id)
  }

  list (agencyId: ObjectId, query: ListQuery): Promise<Page<MaintenanceRequestRecord>> {
    return this.requests.list(agencyId, query)
  }

  /**
   * One atomic update. Moving to resolved stamps resolvedAt unless it is already
   * resolved ($min keeps the first stamp); any other status clears it (reopened).
   */
  update (agencyId: ObjectId, id: ObjectId, changes: MaintenanceRequestChanges): Promise<MaintenanceRequestRecord | null> {
    const update: UpdateFilter<MaintenanceRequestRecord> = {
      $set: { ...changes, ...(changes.priority !== undefined ? { priorityRank: PRIORITY_RANK[changes.priority] } : {}) }
    }
    if (changes.status === 'resolved') update.$min = { resolvedAt: new Date() }
    else if (changes.status !== undefined) update.$unset = { resolvedAt: '' }
    return this.requests.updateById(agencyId, id, update, 'update')
  }

  /** Dashboard: current requests still to be resolved, by priority. */
  openByPriority (agencyId: ObjectId): Promise<Map<string | null, number>> {
    return this.requests.countBy(agencyId, { archived: false, status: { $in: ['open', 'in_progress', 'on_hold'] } }, '$priority', 'openByPriority')
  }

  /** Dashboard: requests resolved since a date, most recent first (report and resolution times only). */
  async resolvedSince (agencyId: ObjectId, since: Date, limit: number): Promise<Array<{ reportedAt: Date, resolvedAt: Date }>> {
    return await this.requests.collection.find(this.requests.scoped(agencyId, { status: 'resolved', resolvedAt: { $gte: since } }), {
      ...this.requests.readOptions('resolvedSince'), projection: { reportedAt: 1, resolvedAt: 1 }
    }).sort({ resolvedAt: -1 }).limit(limit).toArray() as Array<{ reportedAt: Date, resolvedAt: Date }>
  }

  /** Archiving twice keeps the first archivedAt. */
  async archive (agencyId: ObjectId, id: ObjectId): Promise<MaintenanceRequestRecord | null> {
    const archived = await this.requests.updateById(agencyId, id, { $set: { archived: true, archivedAt: new Date() } }, 'archive', { archived: false })
    return archived ?? await this.requests.findById(agencyId, id, 'archive')
  }
}

const hex = (id: { toHexString: () => string } | null) => id?.toHexString() ?? null

/** The API's view of a record (the schema's shape). */
export function presentMaintenanceRequest (record: MaintenanceRequestRecord): MaintenanceRequest {
  return {
    id: record._id.toHexString(),
    propertyId: record.propertyId.toHexString(),
    unitId: hex(record.unitId),
    tenantId: hex(record.tenantId),
    title: record.title,
    description: record.description,
    priority: record.priority,
    status: record.status,
    assigneeId: hex(record.assigneeId),
    reportedAt: record.reportedAt.toISOString(),
    resolvedAt: record.resolvedAt?.toISOString() ?? null,
    archived: record.archived,
    archivedAt: record.archivedAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString()
  }
}
