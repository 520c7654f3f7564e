// Every property and tenant carries an import key since bulk imports became
// idempotent through a unique { agencyId, importKey } index (ownImportKey in
// plugins/app/repositories/agency-collection.ts). Gives the documents written
// before that theirs, before the index is built, and drops the first version of
// the index (unique on importKey alone, sparse), which that one replaces. Safe to
// run again and from several processes at once: a document gets its key once.
import type { Db, ObjectId } from 'mongodb'
import { ownImportKey } from '../../plugins/app/repositories/agency-collection.ts'

export interface ImportKeyReport { keyed: number }

const COLLECTIONS = ['properties', 'tenants'] as const
const BATCH = 1_000
const REPLACED_INDEX = 'importKey_1'
const INDEX_NOT_FOUND = 27
const NAMESPACE_NOT_FOUND = 26

export async function backfillImportKeys (db: Db): Promise<ImportKeyReport> {
  let keyed = 0
  for (const name of COLLECTIONS) {
    const collection = db.collection<{ _id: ObjectId, importKey?: string }>(name)
    for (;;) {
      const batch = await collection.find({ importKey: { $exists: false } }, { projection: { _id: 1 } }).limit(BATCH).toArray()
      if (batch.length === 0) break
      const result = await collection.bulkWrite(batch.map(({ _id }) => ({
        updateOne: { filter: { _id, importKey: { $exists: false } }, update: { $set: { importKey: ownImportKey(_id) } } }
      })), { ordered: false })
      keyed += result.modifiedCount
      if (batch.length < BATCH) break
    }
    await collection.dropIndex(REPLACED_INDEX).catch((err: { code?: number }) => {
      if (err.code !== INDEX_NOT_FOUND && err.code !== NAMESPACE_NOT_FOUND) throw err
    })
  }
  return { keyed }
}
