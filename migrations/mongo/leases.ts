import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

export const leases: IndexDescription[] = [
  ...listIndexes([[], ['status'], ['unitId'], ['propertyId'], ['tenantIds'], ['status', 'propertyId']], ['startDate', 'endDate', 'createdAt']),
  // One active lease per unit: the field exists only while a lease is active, and
  // unit ids are unique across agencies, so a sparse unique index is the guard.
  { key: { activeUnitId: 1 }, unique: true, sparse: true },
  // Scheduled jobs find the agencies with active leases due (rent) or past their end date…
  { key: { status: 1, nextRentDueDate: 1, _id: 1 } },
  { key: { status: 1, endDate: 1, _id: 1 } },
  // …then walk each agency's active leases a share at a time, in _id order, by either date.
  { key: { agencyId: 1, status: 1, _id: 1, nextRentDueDate: 1, endDate: 1 } }
]
