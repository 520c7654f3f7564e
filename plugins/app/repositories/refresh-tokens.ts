// Refresh tokens: opaque "<id>.<secret>" strings; only a SHA-256 of the secret
// is stored. Each use rotates the token (the old one is revoked, a new one of
// the same family issued); presenting a revoked token again revokes the family,
// since either the client or a thief holds a copy.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { Binary, ObjectId, type Db } from 'mongodb'

export interface RefreshTokenRecord {
  _id: ObjectId
  familyId: ObjectId
  userId: ObjectId
  agencyId: ObjectId
  secretHash: Binary
  expiresAt: Date
  revokedAt: Date | null
  createdAt: Date
}

export type RefreshOutcome =
  | { ok: true, token: RefreshTokenRecord }
  | { ok: false, reason: 'unknown' | 'expired' | 'reused' }

function digest (secret: string): Buffer {
  return createHash('sha256').update(secret).digest()
}

export class RefreshTokensRepository {
  readonly collection
  readonly maxTimeMS: number

  constructor (db: Db, maxTimeMS: number) {
    this.collection = db.collection<RefreshTokenRecord>('refresh_tokens')
    this.maxTimeMS = maxTimeMS
  }

  private options (method: string) {
    return { maxTimeMS: this.maxTimeMS, comment: `repo:refresh_tokens.${method}` }
  }

  /** Issues a token; a new login starts a new family. */
  async issue (userId: ObjectId, agencyId: ObjectId, ttlSeconds: number, familyId = new ObjectId()): Promise<string> {
    const id = new ObjectId()
    const secret = randomBytes(32).toString('base64url')
    const now = new Date()
    await this.collection.insertOne({
      _id: id, familyId, userId, agencyId, secretHash: new Binary(digest(secret)), expiresAt: new Date(now.getTime() + ttlSeconds * 1000), revokedAt: null, createdAt: now
    }, this.options('issue'))
    return `${id.toHexString()}.${secret}`
  }

  /**
   * Token paths run before the caller's agency is known: the token's own _id
   * is the lookup key, and the secret must match before anything changes.
   */
  private async globalFindVerified (token: string, method: string): Promise<RefreshTokenRecord | null> {
    const [idHex, secret] = token.split('.')
    if (idHex === undefined || secret === undefined || !/^[a-f0-9]{24}$/.test(idHex)) return null
    const found = await this.collection.findOne({ _id: new ObjectId(idHex) }, {
      ...this.options(method),
      projection: { secretHash: 1, familyId: 1, userId: 1, agencyId: 1, expiresAt: 1, revokedAt: 1 }
    })
    if (found === null) return null
    const stored = Buffer.from(found.secretHash.buffer)
    const given = digest(secret)
    return stored.length === given.length && timingSafeEqual(stored, given) ? found : null
  }

  async globalConsume (token: string): Promise<RefreshOutcome> {
    const found = await this.globalFindVerified(token, 'globalConsume')
    if (found === null) return { ok: false, reason: 'unknown' }
    if (found.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' }

    // Only one concurrent use can flip revokedAt from null: the loser is a reuse.
    const used = await this.collection.updateOne({ _id: found._id, revokedAt: null }, { $set: { revokedAt: new Date() } }, this.options('globalConsume'))
    if (used.modifiedCount === 0) {
      await this.globalRevokeFamily(found.familyId)
      return { ok: false, reason: 'reused' }
    }
    return { ok: true, token: found }
  }

  async globalRevokeFamily (familyId: ObjectId): Promise<void> {
    await this.collection.updateMany({ familyId, revokedAt: null }, { $set: { revokedAt: new Date() } }, this.options('globalRevokeFamily'))
  }

  /** A password change or a disabled account: every session of the user ends. */
  async revokeAllOfUser (agencyId: ObjectId, userId: ObjectId): Promise<void> {
    await this.collection.updateMany({ agencyId, userId, revokedAt: null }, { $set: { revokedAt: new Date() } }, this.options('revokeAllOfUser'))
  }

  /** Logout: the token's family ends, whatever state the token is in. */
  async globalRevoke (token: string): Promise<boolean> {
    const found = await this.globalFindVerified(token, 'globalRevoke')
    if (found === null) return false
    await this.globalRevokeFamily(found.familyId)
    return true
  }
}
