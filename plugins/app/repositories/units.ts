// Units: the lettable spaces of a property. A unit stays in the property it was
// created in; deleting archives it, since leases and ledgers refer to it.
import { ObjectId, type Db } from 'mongodb'
import { AgencyCollection, isDuplicateKey, type AgencyDoc, type ImportOutcome, type ListQuery, type Page } from './agency-collection.ts'
import { codedError } from '../error-handler.ts'
import { units as indexes } from '../../../migrations/mongo/units.ts'
import { UNIT_STATUSES, type Unit } from '../../../schemas/unit.ts'

export type UnitStatus = typeof UNIT_STATUSES[number]

export interface UnitRecord extends AgencyDoc {
  propertyId: ObjectId
  label: string
  bedrooms: number
  bathrooms: number
  areaSqm?: number
  marketRent: number
  status: UnitStatus
  archived: boolean
  archivedAt: Date | null
}

export type UnitInput = Pick<UnitRecord, 'propertyId' | 'label' | 'bedrooms' | 'bathrooms' | 'marketRent'> & { areaSqm?: number, status?: UnitStatus }
export type UnitChanges = Partial<Pick<UnitRecord, 'label' | 'bedrooms' | 'bathrooms' | 'areaSqm' | 'marketRent' | 'status'>>

const PROJECTION = {
  propertyId: 1, label: 1, bedrooms: 1, bathrooms: 1, areaSqm: 1, marketRent: 1, status: 1, archived: 1, archivedAt: 1, createdAt: 1, updatedAt: 1
} as const

function newUnit (agencyId: ObjectId, id: ObjectId, input: UnitInput, now: Date): UnitRecord {
  return { _id: id, agencyId, ...input, status: input.status ?? 'vacant', archived: false, archivedAt: null, createdAt: now, updatedAt: now }
}

function labelTaken (label: string) {
  return codedError(409, 'UNIT_LABEL_TAKEN', `The property already has a unit labelled '${label}'`)
}

export class UnitsRepository {
  readonly units: AgencyCollection<UnitRecord>

  constructor (db: Db, maxTimeMS: number) {
    this.units = new AgencyCollection<UnitRecord>(db, 'units', { maxTimeMS, indexes, projection: PROJECTION })
  }

  /** The caller checks the property; the unique label index settles concurrent creates. */
  async create (agencyId: ObjectId, id: ObjectId, input: UnitInput): Promise<UnitRecord> {
    try {
      return await this.units.insertOnce(newUnit(agencyId, id, input, new Date()), 'create')
    } catch (err) {
      if (isDuplicateKey(err)) throw labelTaken(input.label)
      throw err
    }
  }

  /** Bulk import: the natural key is the unit's label in its property (the unique index); existing units are left as they are. */
  importMany (agencyId: ObjectId, inputs: UnitInput[]): Promise<ImportOutcome[]> {
    const now = new Date()
    return this.units.insertMissing(agencyId, inputs.map((input) => ({
      key: { propertyId: input.propertyId, label: input.label },
      doc: newUnit(agencyId, new ObjectId(), input, now)
    })), 'importMany')
  }

  findById (agencyId: ObjectId, id: ObjectId): Promise<UnitRecord | null> {
    return this.units.findById(agencyId, id)
  }

  /** Key lookups for a batch (reports join units to their rows). */
  findByIds (agencyId: ObjectId, ids: ObjectId[]): Promise<UnitRecord[]> {
    return this.units.findByIds(agencyId, ids)
  }

  list (agencyId: ObjectId, query: ListQuery): Promise<Page<UnitRecord>> {
    return this.units.list(agencyId, query)
  }

  async update (agencyId: ObjectId, id: ObjectId, set: UnitChanges): Promise<UnitRecord | null> {
    try {
      return await this.units.updateById(agencyId, id, { $set: set }, 'update')
    } catch (err) {
      if (isDuplicateKey(err) && set.label !== undefined) throw labelTaken(set.label)
      throw err
    }
  }

  /** For the lease lifecycle: a lease starting or ending moves its unit's status. */
  setStatus (agencyId: ObjectId, id: ObjectId, status: UnitStatus): Promise<UnitRecord | null> {
    return this.units.updateById(agencyId, id, { $set: { status } }, 'setStatus')
  }

  /** Archiving twice keeps the first archivedAt. */
  async archive (agencyId: ObjectId, id: ObjectId): Promise<UnitRecord | null> {
    const archived = await this.units.updateById(agencyId, id, { $set: { archived: true, archivedAt: new Date() } }, 'archive', { archived: false })
    return archived ?? await this.units.findById(agencyId, id, 'archive')
  }

  /** Current (non-archived) units of a property: a property with any cannot be archived. */
  /** Dashboard: current units by status. */
  countByStatus (agencyId: ObjectId): Promise<Map<string | null, number>> {
    return this.units.countBy(agencyId, { archived: false }, '$status', 'countByStatus')
  }

  async countCurrentInProperty (agencyId: ObjectId, propertyId: ObjectId): Promise<number> {
    const { maxTimeMS, comment } = this.units.readOptions('countCurrentInProperty') // a count has no projection
    return await this.units.collection.countDocuments(this.units.scoped(agencyId, { propertyId, archived: false }), { maxTimeMS, comment })
  }
}

/** The API's view of a record (the schema's shape). */
export function presentUnit (record: UnitRecord): Unit {
  return {
    id: record._id.toHexString(),
    propertyId: record.propertyId.toHexString(),
    label: record.label,
    bedrooms: record.bedrooms,
    bathrooms: record.bathrooms,
    ...(record.areaSqm !== undefined ? { areaSqm: record.areaSqm } : {}),
    marketRent: record.marketRent,
    status: record.status,
    archived: record.archived,
    archivedAt: record.archivedAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString()
  }
}
