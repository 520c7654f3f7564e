import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

export const units: IndexDescription[] = [
  // A label names one unit of a property; archived units keep theirs, so their history stays unambiguous.
  { key: { agencyId: 1, propertyId: 1, label: 1 }, unique: true },
  // The list indexes also serve "does this property still have current units" ({ agencyId, archived, propertyId }).
  ...listIndexes(
    [['archived'], ['archived', 'propertyId'], ['archived', 'status'], ['archived', 'propertyId', 'status']],
    ['label', 'createdAt', 'updatedAt', 'marketRent']
  )
]
