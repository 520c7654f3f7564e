import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

export const users: IndexDescription[] = [
  // Login looks users up by email across agencies: one account per email.
  { key: { email: 1 }, unique: true },
  ...listIndexes([[], ['role'], ['status'], ['status', 'role']], ['name', 'createdAt'])
]
