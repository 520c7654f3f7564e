import type { IndexDescription } from 'mongodb'
import { listIndexes, versionIndex } from './list-indexes.ts'

export const charges: IndexDescription[] = [
  ...listIndexes([[], ['leaseId'], ['status'], ['leaseId', 'status'], ['status', 'overdue']], ['dueDate', 'createdAt']),
  // Projections are written by compare-and-set on the version (plugins/app/repositories/projection.ts).
  versionIndex('ledgerVersion'),
  // The overdue job: open charges past due that are not flagged yet, across agencies.
  { key: { status: 1, overdue: 1, dueDate: 1 } }
]
