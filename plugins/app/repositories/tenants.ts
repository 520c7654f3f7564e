// Tenants: the people who rent (the tenancy boundary is the agency, not them).
// Deleting archives: leases refer to tenants, and history must stay readable.
// An email is not unique: members of one household may share one.
import { ObjectId, type Db } from 'mongodb'
import { AgencyCollection, ownImportKey, type AgencyDoc, type ImportOutcome, type ListQuery, type Page } from './agency-collection.ts'
import { tenants as indexes } from '../../../migrations/mongo/tenants.ts'
import type { Tenant } from '../../../schemas/tenant.ts'

export interface TenantRecord extends AgencyDoc {
  firstName: string
  lastName: string
  /** lowercase */
  email?: string
  /** E.164 */
  phone?: string
  /** a calendar date, YYYY-MM-DD: a birthday has no time zone */
  dateOfBirth?: string
  notes?: string
  archived: boolean
  archivedAt: Date | null
  /** unique within the agency: the natural key of an imported document, else ownImportKey (see agency-collection.ts) */
  importKey: string
}

const OPTIONAL_FIELDS = ['email', 'phone', 'dateOfBirth', 'notes'] as const
type OptionalField = typeof OPTIONAL_FIELDS[number]

export type TenantInput = Pick<TenantRecord, 'firstName' | 'lastName' | OptionalField>
/** A change: null removes an optional field. */
export type TenantChange = Partial<Pick<TenantRecord, 'firstName' | 'lastName'>> & { [F in OptionalField]?: string | null }

function newTenant (agencyId: ObjectId, id: ObjectId, input: TenantInput, now: Date): TenantRecord {
  return { _id: id, agencyId, ...input, archived: false, archivedAt: null, importKey: ownImportKey(id), createdAt: now, updatedAt: now }
}

/**
 * A tenant's natural key for imports: first and last name (any case) with the
 * email, phone and date of birth as given (members of a household may share an
 * email, so the names are part of it).
 */
export function tenantImportKey (agencyId: ObjectId, input: TenantInput): string {
  const parts = [input.firstName.trim().toLowerCase(), input.lastName.trim().toLowerCase(), input.email ?? '', input.phone ?? '', input.dateOfBirth ?? '']
  return `${agencyId.toHexString()}:${parts.join('|')}`
}

const PROJECTION = {
  firstName: 1, lastName: 1, email: 1, phone: 1, dateOfBirth: 1, notes: 1, archived: 1, archivedAt: 1, createdAt: 1, updatedAt: 1
} as const

export class TenantsRepository {
  readonly tenants: AgencyCollection<TenantRecord>

  constructor (db: Db, maxTimeMS: number) {
    this.tenants = new AgencyCollection<TenantRecord>(db, 'tenants', { maxTimeMS, indexes, projection: PROJECTION })
  }

  async create (agencyId: ObjectId, id: ObjectId, input: TenantInput): Promise<TenantRecord> {
    return await this.tenants.insertOnce(newTenant(agencyId, id, input, new Date()), 'create')
  }

  /** Bulk import: a row whose natural key (names and contact details) is already there is left as it is. */
  importMany (agencyId: ObjectId, inputs: TenantInput[]): Promise<ImportOutcome[]> {
    const now = new Date()
    return this.tenants.insertMissing(agencyId, inputs.map((input) => {
      const importKey = tenantImportKey(agencyId, input)
      return { key: { importKey }, doc: { ...newTenant(agencyId, new ObjectId(), input, now), importKey } }
    }), 'importMany')
  }

  findById (agencyId: ObjectId, id: ObjectId): Promise<TenantRecord | null> {
    return this.tenants.findById(agencyId, id)
  }

  /** The agency's tenants among these ids: a caller compares the count to know whether all belong to the agency. */
  findByIds (agencyId: ObjectId, ids: ObjectId[]): Promise<TenantRecord[]> {
    return this.tenants.findByIds(agencyId, ids)
  }

  list (agencyId: ObjectId, query: ListQuery): Promise<Page<TenantRecord>> {
    return this.tenants.list(agencyId, query)
  }

  update (agencyId: ObjectId, id: ObjectId, change: TenantChange): Promise<TenantRecord | null> {
    const $set: Record<string, unknown> = {}
    const $unset: Record<string, ''> = {}
    for (const [field, value] of Object.entries(change)) {
      if (value === null) $unset[field] = ''
      else if (value !== undefined) $set[field] = value
    }
    return this.tenants.updateById(agencyId, id, Object.keys($unset).length > 0 ? { $set, $unset } : { $set }, 'update')
  }

  /** Archiving twice keeps the first archivedAt. */
  async archive (agencyId: ObjectId, id: ObjectId): Promise<TenantRecord | null> {
    const archived = await this.tenants.updateById(agencyId, id, { $set: { archived: true, archivedAt: new Date() } }, 'archive', { archived: false })
    return archived ?? await this.tenants.findById(agencyId, id, 'archive')
  }
}

/** The API's view of a record (the schema's shape). */
export function presentTenant (record: TenantRecord): Tenant {
  return {
    id: record._id.toHexString(),
    firstName: record.firstName,
    lastName: record.lastName,
    ...(record.email !== undefined ? { email: record.email } : {}),
    ...(record.phone !== undefined ? { phone: record.phone } : {}),
    ...(record.dateOfBirth !== undefined ? { dateOfBirth: record.dateOfBirth } : {}),
    ...(record.notes !== undefined ? { notes: record.notes } : {}),
    archived: record.archived,
    archivedAt: record.archivedAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString()
  }
}
