// Index declarations for an agency-scoped collection:
//  - { agencyId, _id } unique: every lookup by id carries the agency. On MongoDB
//    the _id index alone would serve it; the local server (mongo-java-server)
//    uses an index only when the query holds all its keys, so without this a
//    lookup by id within an agency scans the collection (30 ms at 80k
//    documents against under 1 ms). The price on MongoDB: one more index entry
//    per document.
//  - for each supported filter set and sort field, { agencyId, ...filters,
//    sortField, _id } (ESR: equality, sort, and _id as the keyset tie-breaker);
//  - { agencyId, updatedAt, _id } for the incremental-sync feed (updatedSince).
import type { IndexDescription } from 'mongodb'

export const AGENCY_ID_INDEX: IndexDescription = { key: { agencyId: 1, _id: 1 }, unique: true }

/**
 * For documents rewritten under a version check ({ agencyId, _id, <version> }
 * equal to the version read): the same reasoning, one key more.
 */
export function versionIndex (field: string): IndexDescription {
  return { key: { agencyId: 1, _id: 1, [field]: 1 }, unique: true }
}

export function listIndexes (filterSets: string[][], sortFields: string[]): IndexDescription[] {
  const indexes: IndexDescription[] = [AGENCY_ID_INDEX, { key: { agencyId: 1, updatedAt: 1, _id: 1 } }]
  for (const filters of filterSets) {
    for (const sortField of sortFields) {
      const key: Record<string, 1> = { agencyId: 1 }
      for (const field of filters) key[field] = 1
      key[sortField] = 1
      key._id = 1
      if (!indexes.some((index) => JSON.stringify(index.key) === JSON.stringify(key))) indexes.push({ key })
    }
  }
  return indexes
}
