import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

export const properties: IndexDescription[] = listIndexes(
  [['archived'], ['archived', 'address.city']],
  ['name', 'createdAt', 'updatedAt']
)
