import type { IndexDescription } from 'mongodb'
import { AGENCY_ID_INDEX, versionIndex } from './list-indexes.ts'

export const ledgers: IndexDescription[] = [
  // The repair job finds ledgers whose projections lag (dirtySince set long ago).
  { key: { dirtySince: 1 } },
  // Lookups by lease within the agency, and the reconciliation's batches (see list-indexes.ts).
  AGENCY_ID_INDEX,
  // Each change is written under an optimistic check on the version read.
  versionIndex('version')
]
