import type { IndexDescription } from 'mongodb'

// The tenancy root: read by _id only.
export const agencies: IndexDescription[] = []
