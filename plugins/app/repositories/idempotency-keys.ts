// Idempotency keys: the first request with a key claims it and names the
// resource it creates; a replay (or a concurrent duplicate) finds the claim,
// resumes the same creation, and answers with the first response once stored.
import { createHmac } from 'node:crypto'
import type { Db, ObjectId } from 'mongodb'
import { isDuplicateKey } from './agency-collection.ts'

export interface StoredResponse { statusCode: number, body: unknown }

export interface IdempotencyRecord {
  _id: string
  agencyId: ObjectId
  requestHash: string
  resourceId: ObjectId
  /** false until the first response is stored (an equality the local server can serve from an index) */
  completed: boolean
  response: StoredResponse | null
  createdAt: Date
  expiresAt: Date
}

const TTL_MS = 24 * 3_600_000

// Key order must not matter: clients may serialise the same body differently.
function canonical (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]))
  }
  return value
}

/** The request a key was first used for, as a keyed digest of its canonical JSON. */
export function requestHash (body: unknown, key: Buffer): string {
  return createHmac('sha256', key).update(JSON.stringify(canonical(body))).digest('hex')
}

export class IdempotencyKeysRepository {
  readonly collection
  readonly maxTimeMS: number

  constructor (db: Db, maxTimeMS: number) {
    this.collection = db.collection<IdempotencyRecord>('idempotency_keys')
    this.maxTimeMS = maxTimeMS
  }

  private options (method: string) {
    return { maxTimeMS: this.maxTimeMS, comment: `repo:idempotency_keys.${method}` }
  }

  /** Claims a key for a new resource id, or returns the existing claim. */
  async claim (agencyId: ObjectId, scope: string, key: string, hash: string, resourceId: ObjectId): Promise<IdempotencyRecord> {
    const now = new Date()
    const record: IdempotencyRecord = {
      _id: `${agencyId.toHexString()}:${scope}:${key}`, agencyId, requestHash: hash, resourceId, completed: false, response: null, createdAt: now, expiresAt: new Date(now.getTime() + TTL_MS)
    }
    try {
      await this.collection.insertOne(record, this.options('claim'))
      return record
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
    }
    const existing = await this.collection.findOne({ agencyId, _id: record._id }, { ...this.options('claim'), projection: { agencyId: 1, requestHash: 1, resourceId: 1, completed: 1, response: 1, createdAt: 1, expiresAt: 1 } })
    if (existing === null) throw new Error('idempotency key vanished between claim and read')
    return existing
  }

  /** Stores the first response; a later writer keeps the first one and gets it back. */
  async complete (agencyId: ObjectId, id: string, response: StoredResponse): Promise<StoredResponse> {
    const stored = await this.collection.updateOne({ agencyId, _id: id, completed: false }, { $set: { completed: true, response } }, this.options('complete'))
    if (stored.modifiedCount === 1) return response
    const first = await this.collection.findOne({ agencyId, _id: id }, { ...this.options('complete'), projection: { response: 1 } })
    return first?.response ?? response
  }
}
