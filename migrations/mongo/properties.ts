import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

export const properties: IndexDescription[] = [
  // Bulk imports upsert by natural key; every document has an import key (ownImportKey), so
  // the index needs no partial filter and starts with the agency (the shard key).
  { key: { agencyId: 1, importKey: 1 }, unique: true },
  ...listIndexes(
    [['archived'], ['archived', 'address.city']],
    ['name', 'createdAt', 'updatedAt']
  )
]
