import type { IndexDescription } from 'mongodb'

// Keys are looked up by _id ("<agencyId>:<scope>:<key>"); MongoDB drops them after a day.
export const idempotencyKeys: IndexDescription[] = [
  { key: { expiresAt: 1 }, expireAfterSeconds: 0 }
]
