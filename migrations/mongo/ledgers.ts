import type { IndexDescription } from 'mongodb'

export const ledgers: IndexDescription[] = [
  // The repair job finds ledgers whose projections lag (dirtySince set long ago).
  { key: { dirtySince: 1 } }
]
