// Every MongoDB index Haven relies on. Request-path queries start with agencyId
// (equality, then sort, then range: the ESR rule); the coverage test checks each
// query shape the repositories send against this list.
import type { IndexDefinitions } from './apply.ts'

export const indexes: IndexDefinitions = {}
