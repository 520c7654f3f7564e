import type { IndexDescription } from 'mongodb'

export const ledgers: IndexDescription[] = [
  // The repair job finds ledgers whose projections lag (dirtySince set long ago).
  { key: { dirtySince: 1 } },
  // The rollup reconciliation reads an agency's ledgers in batches.
  { key: { agencyId: 1, _id: 1 } }
]
