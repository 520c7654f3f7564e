// Deterministic ObjectIds, so a generator can name a document another generator writes
// (a unit's propertyId) without a lookup or a shared table (a ledger's _id is its lease's id): the id of item i of a collection
// in agency a is a function of (agency creation time, collection, a, i). The layout keeps
// ObjectId's own: 4 bytes of seconds, then 8 bytes that are unique per collection.
import { ObjectId } from 'mongodb'

/** One byte per collection; a new generator takes the next free number. */
export const COLLECTION_TAGS = {
  agencies: 1,
  users: 2,
  properties: 3,
  units: 4,
  tenants: 5,
  leases: 6,
  charges: 7,
  payments: 8,
  maintenance_requests: 9
} as const

export type TaggedCollection = keyof typeof COLLECTION_TAGS

const MAX_ITEMS = 2 ** 24

export function seededId (time: Date, collection: TaggedCollection, agencyIndex: number, item: number): ObjectId {
  if (!Number.isInteger(item) || item < 0 || item >= MAX_ITEMS) throw new Error(`${collection} item ${item} is outside 0..${MAX_ITEMS - 1}`)
  const bytes = Buffer.alloc(12)
  bytes.writeUInt32BE(Math.floor(time.getTime() / 1000), 0)
  bytes.writeUInt32BE(agencyIndex, 4)
  bytes.writeUInt8(COLLECTION_TAGS[collection], 8)
  bytes.writeUIntBE(item, 9, 3)
  return new ObjectId(bytes)
}
