// Ledgers: one document per lease (its _id is the lease id) holding every money
// fact of the lease — charges and payments — and the settlement computed from
// them. Each change rewrites the document under an optimistic version check:
// one atomic single-document write decides every allocation, so concurrent
// payments can neither double-count nor lose money, with no transaction.
import type { Db, FindCursor, ObjectId, ReadPreferenceLike } from 'mongodb'
import { ledgers as indexes } from '../../../migrations/mongo/ledgers.ts'
import type { ChargeKind } from './charges.ts'
import type { PaymentMethod } from './payments.ts'

export interface LedgerChargeRecord {
  _id: ObjectId
  kind: ChargeKind
  /** "rent:YYYY-MM" for monthly rent (one per period), null otherwise */
  key: string | null
  description: string
  dueDate: Date
  amount: number
  voided: boolean
  voidedAt: Date | null
  createdAt: Date
}

export interface LedgerPaymentRecord {
  _id: ObjectId
  amount: number
  receivedAt: Date
  method: PaymentMethod
  reference: string | null
  reversed: boolean
  reversedAt: Date | null
  reversalReason: string | null
  createdAt: Date
}

export interface LedgerRecord {
  _id: ObjectId
  agencyId: ObjectId
  propertyId: ObjectId
  unitId: ObjectId
  version: number
  charges: LedgerChargeRecord[]
  payments: LedgerPaymentRecord[]
  totalCharged: number
  totalPaid: number
  outstanding: number
  credit: number
  /** set when a version is written, cleared once its projections are written */
  dirtySince: Date | null
  updatedAt: Date
}

const PROJECTION = {
  agencyId: 1, propertyId: 1, unitId: 1, version: 1, charges: 1, payments: 1, totalCharged: 1, totalPaid: 1, outstanding: 1, credit: 1, dirtySince: 1, updatedAt: 1
} as const

export class LedgersRepository {
  readonly collection
  readonly indexes = indexes
  readonly maxTimeMS: number

  constructor (db: Db, maxTimeMS: number) {
    this.collection = db.collection<LedgerRecord>('ledgers')
    this.maxTimeMS = maxTimeMS
  }

  options (method: string) {
    return { maxTimeMS: this.maxTimeMS, comment: `repo:ledgers.${method}` }
  }

  async get (agencyId: ObjectId, leaseId: ObjectId): Promise<LedgerRecord | null> {
    return await this.collection.findOne({ _id: leaseId, agencyId }, { ...this.options('get'), projection: PROJECTION })
  }

  /** The first version of a lease's ledger; false if another writer created it first. */
  async create (record: LedgerRecord): Promise<boolean> {
    try {
      await this.collection.insertOne(record, this.options('create'))
      return true
    } catch (err) {
      if ((err as { code?: unknown }).code === 11000) return false
      throw err
    }
  }

  /** Writes the next version; false if the stored version is no longer the one it was computed from. */
  async replace (record: LedgerRecord, fromVersion: number): Promise<boolean> {
    const { _id, agencyId, ...rest } = record
    const result = await this.collection.updateOne({ agencyId, _id, version: fromVersion }, { $set: rest }, this.options('replace'))
    return result.matchedCount === 1
  }

  async markProjected (agencyId: ObjectId, leaseId: ObjectId, version: number): Promise<void> {
    await this.collection.updateOne({ agencyId, _id: leaseId, version }, { $set: { dirtySince: null } }, this.options('markProjected'))
  }

  /** Reconciliation: an agency's ledgers in _id order, a batch after a position. */
  async forAgency (agencyId: ObjectId, after: ObjectId | null, limit: number): Promise<LedgerRecord[]> {
    const filter = after === null ? { agencyId } : { agencyId, _id: { $gt: after } }
    return await this.collection.find(filter, { ...this.options('forAgency'), projection: PROJECTION }).sort({ _id: 1 }).limit(limit).toArray()
  }

  /** Key lookups for a batch of leases (a ledger's _id is its lease's). */
  async getMany (agencyId: ObjectId, leaseIds: ObjectId[]): Promise<LedgerRecord[]> {
    if (leaseIds.length === 0) return []
    return await this.collection.find({ agencyId, _id: { $in: leaseIds } }, { ...this.options('getMany'), projection: PROJECTION }).toArray()
  }

  /** Every ledger of an agency through one cursor, in _id order (the arrears report). */
  streamForAgency (agencyId: ObjectId, options: { readPreference: ReadPreferenceLike, batchSize: number, maxTimeMS: number }): FindCursor<LedgerRecord> {
    return this.collection.find({ agencyId }, { ...this.options('streamForAgency'), projection: PROJECTION, ...options }).sort({ _id: 1 })
  }

  async countForAgency (agencyId: ObjectId, options: { readPreference: ReadPreferenceLike, maxTimeMS: number }): Promise<number> {
    return await this.collection.countDocuments({ agencyId }, { ...options, comment: 'repo:ledgers.countForAgency' })
  }

  /** Repair job: ledgers (any agency) whose projections have lagged since before a cutoff. */
  async adminDirtyBefore (cutoff: Date, limit: number): Promise<LedgerRecord[]> {
    return await this.collection.find({ dirtySince: { $lt: cutoff } }, { ...this.options('adminDirtyBefore'), projection: PROJECTION }).limit(limit).toArray()
  }
}
