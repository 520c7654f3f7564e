// Writes read-model documents derived from a ledger version, never letting an
// older version overwrite a newer one. Each document is a compare-and-set:
// read its stored version (a key lookup), then update only if that version is
// still there, or insert it if absent (a unique _id refuses a racing insert);
// on a lost race, read again. Both writes are exact-key operations — the local
// server (mongo-java-server) runs a conditional update such as
// { ledgerVersion: { $lt: v } } as a collection scan, 400 ms at a million
// documents, while an equality on a unique index's keys is a lookup.
import type { Collection, Db, Document, Filter, ObjectId, OptionalUnlessRequiredId } from 'mongodb'
import { AgencyCollection, isDuplicateKey, type AgencyDoc, type CollectionOptions, type ListQuery, type Page } from './agency-collection.ts'

export interface Projected extends Document {
  _id: ObjectId
  agencyId: ObjectId
  ledgerVersion: number
}

const MAX_ATTEMPTS = 10

async function writeOne<T extends Projected> (collection: Collection<T>, doc: T, options: { maxTimeMS: number, comment: string }): Promise<void> {
  const key = { agencyId: doc.agencyId, _id: doc._id } as Filter<T>
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const stored = await collection.findOne(key, { ...options, projection: { ledgerVersion: 1 } })
    if (stored === null) {
      try {
        await collection.insertOne(doc as OptionalUnlessRequiredId<T>, options)
        return
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
        continue // another writer inserted it meanwhile: compare with theirs
      }
    }
    if (stored.ledgerVersion >= doc.ledgerVersion) return // already as new or newer
    const result = await collection.updateOne({ ...key, ledgerVersion: stored.ledgerVersion } as Filter<T>, { $set: doc }, options)
    if (result.matchedCount === 1) return
  }
  throw new Error(`projection of ${doc._id.toHexString()} lost ${MAX_ATTEMPTS} races in a row`)
}

export async function writeProjection<T extends Projected> (collection: Collection<T>, docs: T[], options: { maxTimeMS: number, comment: string }): Promise<void> {
  await Promise.all(docs.map((doc) => writeOne(collection, doc, options)))
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

  project (docs: T[]): Promise<void> {
    return writeProjection(this.docs.collection, docs, this.docs.writeOptions('project'))
  }
}
