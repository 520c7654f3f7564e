// Writes read-model documents derived from a ledger version. The filter only
// matches an older version, so a slow writer can never overwrite a newer
// projection: its upsert collides on _id instead (E11000), which means "a newer
// version is already there" and is ignored.
import type { AnyBulkWriteOperation, Collection, Document, ObjectId } from 'mongodb'
import { MongoBulkWriteError } from 'mongodb'
import { DUPLICATE_KEY } from './agency-collection.ts'

export interface Projected extends Document {
  _id: ObjectId
  agencyId: ObjectId
  ledgerVersion: number
}

export async function writeProjection<T extends Projected> (collection: Collection<T>, docs: T[], options: { maxTimeMS: number, comment: string }): Promise<void> {
  if (docs.length === 0) return
  const operations = docs.map((doc) => ({
    updateOne: {
      filter: { _id: doc._id, agencyId: doc.agencyId, ledgerVersion: { $lt: doc.ledgerVersion } },
      update: { $set: doc },
      upsert: true
    }
  })) as unknown as AnyBulkWriteOperation<T>[]
  try {
    await collection.bulkWrite(operations, { ordered: false, ...options })
  } catch (err) {
    const onlyStale = err instanceof MongoBulkWriteError &&
      (Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors]).every((writeError) => writeError.code === DUPLICATE_KEY)
    if (!onlyStale) throw err
  }
}
