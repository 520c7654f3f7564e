import type { IndexDescription } from 'mongodb'
import { AGENCY_ID_INDEX, versionIndex } from './list-indexes.ts'

// Keys are looked up by _id ("<agencyId>:<scope>:<key>") within the agency
// (see list-indexes.ts); MongoDB drops them after a day.
export const idempotencyKeys: IndexDescription[] = [
  AGENCY_ID_INDEX,
  // Storing the first response: a compare-and-set on "not completed yet".
  versionIndex('completed'),
  { key: { expiresAt: 1 }, expireAfterSeconds: 0 }
]
