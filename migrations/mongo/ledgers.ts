import type { IndexDescription } from 'mongodb'
import { AGENCY_ID_INDEX, versionIndex } from './list-indexes.ts'

export const ledgers: IndexDescription[] = [
  // The repair job finds the agencies with ledgers whose projections lag (dirtySince set long ago)…
  { key: { dirtySince: 1 } },
  // …then walks each agency's lagging ledgers a share at a time.
  { key: { agencyId: 1, _id: 1, dirtySince: 1 } },
  // Lookups by lease within the agency, and the reconciliation's batches (see list-indexes.ts).
  AGENCY_ID_INDEX,
  // Each change is written under an optimistic check on the version read.
  versionIndex('version')
]
