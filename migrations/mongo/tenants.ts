import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

export const tenants: IndexDescription[] = [
  // Bulk imports upsert by natural key ("<agencyId>:<key>"); only imported documents have one.
  { key: { importKey: 1 }, unique: true, sparse: true },
  ...listIndexes(
    [['archived'], ['archived', 'email']],
    ['lastName', 'createdAt', 'updatedAt']
  )
]
