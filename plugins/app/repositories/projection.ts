// Writes read-model documents derived from a ledger version, never letting an
// older version overwrite a newer one. Each document is a compare-and-set:
// know its stored version (a key lookup, or known already: a document the
// change creates has none), then update only if that version is still there,
// or insert it if absent (a unique _id refuses a racing insert); on a lost
// race, read again. Both writes are exact-key operations — the local server
// (mongo-java-server) runs a conditional update such as
// { ledgerVersion: { $lt: v } } as a collection scan, 400 ms at a million
// documents, while an equality on a unique index's keys is a lookup. A
// version's documents of one collection go in one unordered bulkWrite.
import type { AnyBulkWriteOperation, Collection, Db, Document, Filter, ObjectId } from 'mongodb'
import { AgencyCollection, isDuplicateKey, type AgencyDoc, type CollectionOptions, type ListQuery, type Page } from './agency-collection.ts'

export interface Projected extends Document {
  _id: ObjectId
  agencyId: ObjectId
  ledgerVersion: number
}

/** Stored ledger versions by document id (hex); null: no document yet. */
export type StoredVersions = Map<string, number | null>

const MAX_ATTEMPTS = 10

type WriteOptions = { maxTimeMS: number, comment: string }

const keyOf = <T extends Projected>(doc: Pick<Projected, 'agencyId' | '_id'>) => ({ agencyId: doc.agencyId, _id: doc._id }) as Filter<T>

async function storedVersion<T extends Projected> (collection: Collection<T>, key: Pick<Projected, 'agencyId' | '_id'>, options: WriteOptions): Promise<number | null> {
  const stored = await collection.findOne(keyOf<T>(key), { ...options, projection: { ledgerVersion: 1 } })
  return stored === null ? null : (stored as unknown as Projected).ledgerVersion
}

/** The stored versions of documents about to be rewritten: a key lookup each, in parallel. */
export async function readVersions<T extends Projected> (collection: Collection<T>, agencyId: ObjectId, ids: ObjectId[], options: WriteOptions): Promise<StoredVersions> {
  const versions = await Promise.all(ids.map((_id) => storedVersion(collection, { agencyId, _id }, options)))
  return new Map(ids.map((id, i) => [id.toHexString(), versions[i]!]))
}

/** The compare-and-set of one document, read by read, until it lands or a newer version is there. */
async function writeOne<T extends Projected> (collection: Collection<T>, doc: T, options: WriteOptions): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const stored = await storedVersion(collection, doc, options)
    if (stored === null) {
      try {
        await collection.insertOne(doc as never, options)
        return
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
        continue // another writer inserted it meanwhile: compare with theirs
      }
    }
    if (stored >= doc.ledgerVersion) return // already as new or newer
    const result = await collection.updateOne({ ...keyOf<T>(doc), ledgerVersion: stored } as Filter<T>, { $set: doc }, options)
    if (result.matchedCount === 1) return
  }
  throw new Error(`projection of ${doc._id.toHexString()} lost ${MAX_ATTEMPTS} races in a row`)
}

/**
 * Sends the operations as one unordered bulkWrite and answers which did not
 * land: inserts refused as duplicates, and, when fewer updates matched than
 * were sent, every update (which one lost its race does not show).
 */
async function bulkWrite<T extends Projected> (collection: Collection<T>, ops: Array<{ doc: T, op: AnyBulkWriteOperation<T> }>, options: WriteOptions): Promise<T[]> {
  let matched: number
  let refused: number[] = []
  try {
    matched = (await collection.bulkWrite(ops.map(({ op }) => op), { ordered: false, ...options })).matchedCount
  } catch (err) {
    const bulk = err as { writeErrors?: unknown, result?: { matchedCount: number } }
    const writeErrors = ([] as Array<{ index: number, code?: number }>).concat((bulk.writeErrors ?? []) as never)
    if (bulk.result === undefined || writeErrors.length === 0 || !writeErrors.every(isDuplicateKey)) throw err
    matched = bulk.result.matchedCount
    refused = writeErrors.map((e) => e.index)
  }
  const updates = ops.filter(({ op }) => 'updateOne' in op)
  const lost = ops.filter(({ op }, i) => refused.includes(i) || (matched < updates.length && 'updateOne' in op))
  return lost.map(({ doc }) => doc)
}

/** Writes a version's documents; `stored` holds the versions already known (the rest are read). */
export async function writeProjection<T extends Projected> (collection: Collection<T>, docs: T[], options: WriteOptions, stored: StoredVersions = new Map()): Promise<void> {
  if (docs.length === 0) return
  const unknown = docs.filter((doc) => !stored.has(doc._id.toHexString()))
  const versions = unknown.length === 0 ? stored : new Map([...stored, ...await readVersions(collection, docs[0]!.agencyId, unknown.map((doc) => doc._id), options)])
  const ops: Array<{ doc: T, op: AnyBulkWriteOperation<T> }> = []
  for (const doc of docs) {
    const version = versions.get(doc._id.toHexString())!
    if (version === null) ops.push({ doc, op: { insertOne: { document: doc as never } } })
    else if (version < doc.ledgerVersion) ops.push({ doc, op: { updateOne: { filter: { ...keyOf<T>(doc), ledgerVersion: version } as Filter<T>, update: { $set: doc } } } })
  }
  if (ops.length === 0) return
  const lost = await bulkWrite(collection, ops, options)
  await Promise.all(lost.map((doc) => writeOne(collection, doc, options)))
}

/** A collection of ledger projections (charges, payments): read by the API, written only from a ledger. */
export class ProjectionRepository<T extends AgencyDoc & Projected> {
  readonly docs: AgencyCollection<T>

  constructor (db: Db, name: string, options: CollectionOptions) {
    this.docs = new AgencyCollection<T>(db, name, options)
  }

  findById (agencyId: ObjectId, id: ObjectId): Promise<T | null> {
    return this.docs.findById(agencyId, id)
  }

  list (agencyId: ObjectId, query: ListQuery): Promise<Page<T>> {
    return this.docs.list(agencyId, query)
  }

  /** The stored versions of documents a version will rewrite (read alongside the ledger's write). */
  storedVersions (agencyId: ObjectId, ids: ObjectId[]): Promise<StoredVersions> {
    return readVersions(this.docs.collection, agencyId, ids, this.docs.writeOptions('storedVersions'))
  }

  project (docs: T[], stored?: StoredVersions): Promise<void> {
    return writeProjection(this.docs.collection, docs, this.docs.writeOptions('project'), stored)
  }
}
