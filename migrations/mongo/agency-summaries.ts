import type { IndexDescription } from 'mongodb'

// The dashboard reads its summaries by _id only: the agency id, or "<agencyId>:<YYYY-MM>" for a month.
export const agencySummaries: IndexDescription[] = []
// The reconciliation lists an agency's months.
export const agencyMonths: IndexDescription[] = [{ key: { agencyId: 1, period: 1 } }]
