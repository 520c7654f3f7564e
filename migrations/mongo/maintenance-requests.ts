import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

// Sorting by priority uses the stored priorityRank (urgent first); the
// { archived, status, priority } filter also serves the dashboard's open requests by priority.
export const maintenanceRequests: IndexDescription[] = [
  ...listIndexes(
    [['archived'], ['archived', 'status'], ['archived', 'priority'], ['archived', 'propertyId'], ['archived', 'assigneeId'], ['archived', 'status', 'priority']],
    ['reportedAt', 'priorityRank', 'updatedAt']
  ),
  // The dashboard's resolution times: requests resolved in the last 30 days.
  { key: { agencyId: 1, status: 1, resolvedAt: -1 } }
]
