import type { IndexDescription } from 'mongodb'
import { listIndexes, versionIndex } from './list-indexes.ts'

export const payments: IndexDescription[] = [
  ...listIndexes([[], ['leaseId'], ['status'], ['leaseId', 'status']], ['receivedAt', 'createdAt']),
  // Projections are written by compare-and-set on the version (plugins/app/repositories/projection.ts).
  versionIndex('ledgerVersion')
]
