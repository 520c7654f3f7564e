// Ledgers: one document per lease (its _id is the lease id) holding the money
// facts of the lease — charges and payments — and the settlement computed from
// them. Each change rewrites the document under an optimistic version check:
// one atomic single-document write decides every allocation, so concurrent
// payments can neither double-count nor lose money, with no transaction.
// A long history does not grow the document without end: settled items fold
// into the carried balance (plugins/app/ledger/fold.ts), their charge and
// payment documents staying as they were when they closed.
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
  /** set on the one charge partly paid by folded payments: that part */
  paidBefore?: number
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

/** A folded payment, as the dashboard's latest payments show it. */
export interface CarriedPayment { id: ObjectId, amount: number, receivedAt: Date, method: PaymentMethod, reversed: boolean }

/**
 * What the folded (closed) part of a ledger still contributes. Folded charges
 * were paid in full by folded payments, which were applied in full (to them,
 * and to the paidBefore part of the first open charge).
 */
export interface CarriedBalance {
  /** how many charges and payments were folded */
  charges: number
  payments: number
  /** the folded charges' amounts (voided ones left out) and the folded payments' (reversed ones left out) */
  charged: number
  paid: number
  /** the last charge and payment, in settlement order, whose allocation is closed: a new item must sort after them */
  lastCharge: { dueDate: Date, createdAt: Date, id: ObjectId } | null
  lastPayment: { receivedAt: Date, id: ObjectId } | null
  /** the keys of folded charges (rent periods, the deposit): never raised again */
  keys: string[]
  /** the folded items' charged (by due month) and collected (by receipt month) money, YYYY-MM */
  months: Record<string, { charged: number, collected: number }>
  /** the newest folded payments, newest first (at most the dashboard's ten) */
  latestPayments: CarriedPayment[]
  foldedAt: Date | null
}

export const NOTHING_FOLDED: CarriedBalance = {
  charges: 0, payments: 0, charged: 0, paid: 0, lastCharge: null, lastPayment: null, keys: [], months: {}, latestPayments: [], foldedAt: null
}

/** Item ids (hex) → the ledger version that last moved the item. */
export type PendingItems = Record<string, number>

export interface LedgerRecord {
  _id: ObjectId
  agencyId: ObjectId
  propertyId: ObjectId
  unitId: ObjectId
  version: number
  charges: LedgerChargeRecord[]
  payments: LedgerPaymentRecord[]
  carried: CarriedBalance
  totalCharged: number
  totalPaid: number
  outstanding: number
  credit: number
  /** set when a version is written, cleared once its projections are written */
  dirtySince: Date | null
  /**
   * While dirty: the items whose documents the versions written since the ledger
   * was last projected may have left unwritten (ledger/pending.ts). A dirty
   * ledger without it (written before it existed) may lag on any item.
   */
  pending?: PendingItems
  updatedAt: Date
}

const PROJECTION = {
  agencyId: 1, propertyId: 1, unitId: 1, version: 1, charges: 1, payments: 1, carried: 1, totalCharged: 1, totalPaid: 1, outstanding: 1, credit: 1, dirtySince: 1, pending: 1, updatedAt: 1
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
    return withCarried(await this.collection.findOne({ _id: leaseId, agencyId }, { ...this.options('get'), projection: PROJECTION }))
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

  /**
   * Writes the next version; false if the stored version is no longer `from`'s,
   * the one it was computed from. Under that guard the stored items are `from`'s,
   * so only what changed is sent: items appended ($push) or replaced in place,
   * whole arrays only when items left (a fold). A long ledger's write then
   * carries one item, not hundreds.
   */
  async replace (record: LedgerRecord, from: LedgerRecord): Promise<boolean> {
    const { _id, agencyId, charges, payments, carried, ...scalars } = record
    const $set: Record<string, unknown> = { ...scalars }
    const $push: Record<string, unknown> = {}
    itemChanges('charges', from.charges, charges, $set, $push)
    itemChanges('payments', from.payments, payments, $set, $push)
    // A ledger from before folding has no stored carried balance (withCarried): give it one.
    if (carried !== from.carried || from.carried === NOTHING_FOLDED) $set.carried = carried
    const update = Object.keys($push).length === 0 ? { $set } : { $set, $push }
    const result = await this.collection.updateOne({ agencyId, _id, version: from.version }, update, this.options('replace'))
    return result.matchedCount === 1
  }

  async markProjected (agencyId: ObjectId, leaseId: ObjectId, version: number): Promise<void> {
    await this.collection.updateOne({ agencyId, _id: leaseId, version }, { $set: { dirtySince: null }, $unset: { pending: '' } }, this.options('markProjected'))
  }

  /** Reconciliation: an agency's ledgers in _id order, a batch after a position. */
  async forAgency (agencyId: ObjectId, after: ObjectId | null, limit: number): Promise<LedgerRecord[]> {
    const filter = after === null ? { agencyId } : { agencyId, _id: { $gt: after } }
    const batch = await this.collection.find(filter, { ...this.options('forAgency'), projection: PROJECTION }).sort({ _id: 1 }).limit(limit).toArray()
    return batch.map((record) => withCarried(record)!)
  }

  /** Repair job: the agencies with a ledger whose projections have lagged since before a cutoff. */
  async adminAgenciesWithDirty (cutoff: Date): Promise<ObjectId[]> {
    return await this.collection.distinct('agencyId', { dirtySince: { $lt: cutoff } }, this.options('adminAgenciesWithDirty'))
  }

  /** Repair job: a page of the agency's ledgers lagging since before a cutoff, in _id order after a position. */
  async dirtyBefore (agencyId: ObjectId, cutoff: Date, after: ObjectId | null, limit: number): Promise<LedgerRecord[]> {
    const filter = { agencyId, dirtySince: { $lt: cutoff }, ...(after === null ? {} : { _id: { $gt: after } }) }
    const batch = await this.collection.find(filter, { ...this.options('dirtyBefore'), projection: PROJECTION }).sort({ _id: 1 }).limit(limit).toArray()
    return batch.map((record) => withCarried(record)!)
  }

  /** Key lookups for a batch of leases (a ledger's _id is its lease's). */
  async getMany (agencyId: ObjectId, leaseIds: ObjectId[]): Promise<LedgerRecord[]> {
    if (leaseIds.length === 0) return []
    const batch = await this.collection.find({ agencyId, _id: { $in: leaseIds } }, { ...this.options('getMany'), projection: PROJECTION }).toArray()
    return batch.map((record) => withCarried(record)!)
  }

  /** Every ledger of an agency through one cursor, in _id order (the arrears report). */
  streamForAgency (agencyId: ObjectId, options: { readPreference: ReadPreferenceLike, batchSize: number, maxTimeMS: number }): FindCursor<LedgerRecord> {
    return this.collection.find({ agencyId }, { ...this.options('streamForAgency'), projection: PROJECTION, ...options }).sort({ _id: 1 }).map((record) => withCarried(record)!)
  }

  async countForAgency (agencyId: ObjectId, options: { readPreference: ReadPreferenceLike, maxTimeMS: number }): Promise<number> {
    return await this.collection.countDocuments({ agencyId }, { ...options, comment: 'repo:ledgers.countForAgency' })
  }
}

/**
 * The update of one item array from `before` to `after` (changes build new arrays
 * that keep the unchanged items, so identity tells what changed): the appended
 * items, or the items replaced at their index, or else the whole array.
 */
function itemChanges<T> (field: string, before: readonly T[], after: readonly T[], $set: Record<string, unknown>, $push: Record<string, unknown>): void {
  if (after === before) return
  const replaced: number[] = []
  for (let i = 0; i < Math.min(before.length, after.length); i++) if (after[i] !== before[i]) replaced.push(i)
  const appended = after.length - before.length
  // MongoDB refuses $push and an element's $set on one array in one update.
  if (appended < 0 || (appended > 0 && replaced.length > 0)) {
    $set[field] = after
    return
  }
  for (const i of replaced) $set[`${field}.${i}`] = after[i]
  if (appended > 0) $push[field] = { $each: after.slice(before.length) }
}

/**
 * Ledgers written before folding existed have no carried balance until the
 * migration gives them one (migrations/mongo/ledger-carried.ts); read them as
 * having folded nothing, so a process never depends on the migration's timing.
 */
function withCarried (record: LedgerRecord | null): LedgerRecord | null {
  if (record === null || record.carried !== undefined) return record
  return { ...record, carried: NOTHING_FOLDED }
}
