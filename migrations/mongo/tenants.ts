import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

export const tenants: IndexDescription[] = listIndexes(
  [['archived'], ['archived', 'email']],
  ['lastName', 'createdAt', 'updatedAt']
)
