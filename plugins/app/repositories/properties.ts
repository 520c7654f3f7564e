// Properties (buildings or sites) of an agency. Deleting archives: leases and
// ledgers refer to them, and history must stay readable.
import { ObjectId, type Db } from 'mongodb'
import { AgencyCollection, ownImportKey, type AgencyDoc, type ImportOutcome, type ListQuery, type Page } from './agency-collection.ts'
import { properties as indexes } from '../../../migrations/mongo/properties.ts'
import type { Property } from '../../../schemas/property.ts'

export interface Address {
  line1: string
  line2?: string
  city: string
  region?: string
  postalCode: string
  country: string
}

export interface PropertyRecord extends AgencyDoc {
  name: string
  kind: 'residential' | 'commercial' | 'mixed'
  address: Address
  notes?: string
  archived: boolean
  archivedAt: Date | null
  /** unique within the agency: the natural key of an imported document, else ownImportKey (see agency-collection.ts) */
  importKey: string
}

export type PropertyInput = Pick<PropertyRecord, 'name' | 'kind' | 'address'> & { notes?: string }

function newProperty (agencyId: ObjectId, id: ObjectId, input: PropertyInput, now: Date): PropertyRecord {
  return { _id: id, agencyId, ...input, archived: false, archivedAt: null, importKey: ownImportKey(id), createdAt: now, updatedAt: now }
}

/** A property's natural key for imports: its name and postal code, in any case and spacing. */
export function propertyImportKey (agencyId: ObjectId, input: Pick<PropertyInput, 'name' | 'address'>): string {
  const squeeze = (value: string) => value.trim().toLowerCase().replace(/\s+/g, ' ')
  return `${agencyId.toHexString()}:${squeeze(input.name)}|${squeeze(input.address.postalCode).replace(/ /g, '')}`
}

const PROJECTION = { name: 1, kind: 1, address: 1, notes: 1, archived: 1, archivedAt: 1, createdAt: 1, updatedAt: 1 } as const

export class PropertiesRepository {
  readonly properties: AgencyCollection<PropertyRecord>

  constructor (db: Db, maxTimeMS: number) {
    this.properties = new AgencyCollection<PropertyRecord>(db, 'properties', { maxTimeMS, indexes, projection: PROJECTION })
  }

  async create (agencyId: ObjectId, id: ObjectId, input: PropertyInput): Promise<PropertyRecord> {
    return await this.properties.insertOnce(newProperty(agencyId, id, input, new Date()), 'create')
  }

  /** Bulk import: a row whose natural key (name and postal code) is already there is left as it is. */
  importMany (agencyId: ObjectId, inputs: PropertyInput[]): Promise<ImportOutcome[]> {
    const now = new Date()
    return this.properties.insertMissing(agencyId, inputs.map((input) => {
      const importKey = propertyImportKey(agencyId, input)
      return { key: { importKey }, doc: { ...newProperty(agencyId, new ObjectId(), input, now), importKey } }
    }), 'importMany')
  }

  findById (agencyId: ObjectId, id: ObjectId): Promise<PropertyRecord | null> {
    return this.properties.findById(agencyId, id)
  }

  /** Key lookups for a batch (reports join properties to their rows). */
  findByIds (agencyId: ObjectId, ids: ObjectId[]): Promise<PropertyRecord[]> {
    return this.properties.findByIds(agencyId, ids)
  }

  list (agencyId: ObjectId, query: ListQuery): Promise<Page<PropertyRecord>> {
    return this.properties.list(agencyId, query)
  }

  update (agencyId: ObjectId, id: ObjectId, set: Partial<PropertyInput>): Promise<PropertyRecord | null> {
    return this.properties.updateById(agencyId, id, { $set: set }, 'update')
  }

  /** Dashboard: current (not archived) properties. */
  countCurrent (agencyId: ObjectId): Promise<number> {
    return this.properties.count(agencyId, { archived: false }, 'countCurrent')
  }

  /** Archiving twice keeps the first archivedAt. */
  async archive (agencyId: ObjectId, id: ObjectId): Promise<PropertyRecord | null> {
    const archived = await this.properties.updateById(agencyId, id, { $set: { archived: true, archivedAt: new Date() } }, 'archive', { archived: false })
    return archived ?? await this.properties.findById(agencyId, id, 'archive')
  }
}

/** The API's view of a record (the schema's shape). */
export function presentProperty (record: PropertyRecord): Property {
  return {
    id: record._id.toHexString(),
    name: record.name,
    kind: record.kind,
    address: record.address,
    ...(record.notes !== undefined ? { notes: record.notes } : {}),
    archived: record.archived,
    archivedAt: record.archivedAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString()
  }
}
