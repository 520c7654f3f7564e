import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

export const charges: IndexDescription[] = [
  ...listIndexes([[], ['leaseId'], ['status'], ['leaseId', 'status'], ['status', 'overdue']], ['dueDate', 'createdAt']),
  // The overdue job: open charges past due that are not flagged yet, across agencies.
  { key: { status: 1, overdue: 1, dueDate: 1 } }
]
