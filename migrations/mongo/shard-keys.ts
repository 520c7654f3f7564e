// Shard keys, for when one replica set is outgrown (README "MongoDB sharding"). Agency first:
// every request-path query carries its agency, so with the agency leading the key mongos sends
// it to the shard that holds that agency, never to all of them (the recorded-query-shape test
// checks this for every query the suite sends: test/support/query-coverage.ts).
//  - { agencyId: 1, _id: 1 } where one agency's data outgrows a chunk (the largest agency of the
//    L dataset holds 1.6M charges and payments, 25k ledgers of ~10 KB): ranged, so an agency's
//    documents stay together and its chunks can still split by _id and spread over shards.
//  - { agencyId: 1 } where a unique index other than _id must hold across the collection: MongoDB
//    enforces uniqueness on a sharded collection only for indexes that start with the whole shard
//    key, so units ({agencyId, propertyId, label}), leases (one active lease per unit), properties
//    and tenants (the import key, {agencyId, importKey}) keep the agency alone. All stay far below
//    a chunk per agency (20k units, 25k leases, 30k tenants at most in the L dataset).
//  - agencies and agency_summaries: their _id is the agency.
//  - 'unsharded': users and refresh_tokens are looked up across agencies on the request path
//    (login by email, refresh by token) and their unique email / token lookups could not be
//    enforced or targeted under an agency key. An unsharded collection lives whole on its
//    database's primary shard, so those lookups still reach one shard; staff accounts and live
//    sessions never need more than one.
import type { Document } from 'mongodb'
import type { indexes } from './indexes.ts'

export type ShardKey = Document | 'unsharded'

const BY_AGENCY = { agencyId: 1 } as const
const BY_AGENCY_AND_ID = { agencyId: 1, _id: 1 } as const

export const shardKeys: Record<keyof typeof indexes, ShardKey> = {
  agencies: { _id: 1 },
  agency_summaries: { _id: 1 },
  users: 'unsharded',
  refresh_tokens: 'unsharded',
  properties: BY_AGENCY,
  tenants: BY_AGENCY,
  leases: BY_AGENCY,
  ledgers: BY_AGENCY_AND_ID,
  charges: BY_AGENCY_AND_ID,
  payments: BY_AGENCY_AND_ID,
  idempotency_keys: BY_AGENCY_AND_ID,
  units: BY_AGENCY,
  maintenance_requests: BY_AGENCY_AND_ID
}

/**
 * Index replacements a sharded cluster needs: leases guard "one active lease per unit" with a
 * unique sparse index on activeUnitId alone, which MongoDB cannot keep unique once leases are
 * sharded by agency. On the cluster it becomes unique on { agencyId, activeUnitId } for the
 * documents that have one (a partial index: sparse would still index every lease under its
 * agency). Unit ids are unique across agencies, so the guard means the same. Replica sets and
 * the local server keep the original (the local server has no partial indexes).
 */
export const shardedIndexReplacements: Record<string, Array<{ drop: string, create: Document & { key: Document } }>> = {
  leases: [{
    drop: 'activeUnitId_1',
    create: { key: { agencyId: 1, activeUnitId: 1 }, name: 'agencyId_1_activeUnitId_1', unique: true, partialFilterExpression: { activeUnitId: { $exists: true } } }
  }]
}
