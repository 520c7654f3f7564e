// Index declarations for agency-scoped lists: for each supported filter set and
// sort field, { agencyId, ...filters, sortField, _id } (ESR: equality, sort, and
// _id as the keyset tie-breaker), plus { agencyId, updatedAt, _id } for the
// incremental-sync feed (updatedSince).
import type { IndexDescription } from 'mongodb'

export function listIndexes (filterSets: string[][], sortFields: string[]): IndexDescription[] {
  const indexes: IndexDescription[] = [{ key: { agencyId: 1, updatedAt: 1, _id: 1 } }]
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
