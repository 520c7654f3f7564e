import type { IndexDescription } from 'mongodb'

// The dashboard reads an agency's summary by _id (the agency id) only.
export const agencySummaries: IndexDescription[] = []
