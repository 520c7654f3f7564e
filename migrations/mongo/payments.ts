import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

export const payments: IndexDescription[] = listIndexes([[], ['leaseId'], ['status'], ['leaseId', 'status']], ['receivedAt', 'createdAt'])
