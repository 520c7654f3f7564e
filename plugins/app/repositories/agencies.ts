// Agencies: the tenancy root. An agency's id is its own scope, so every method
// takes it first like any other repository.
import type { Db, ObjectId } from 'mongodb'
import type { Agency } from '../../../schemas/agency.ts'

export interface AgencyRecord {
  _id: ObjectId
  name: string
  currency: string
  timeZone: string
  createdAt: Date
  updatedAt: Date
  /** where job events are posted; read only through findWebhook (it holds the signing secret) */
  webhook?: WebhookSettings
}

export interface WebhookSettings {
  url: string
  /** HMAC-SHA256 key of the signatures */
  secret: string
  /** after a rotation, the old key also signs until previousSecretExpiresAt */
  previousSecret: string | null
  previousSecretExpiresAt: Date | null
  createdAt: Date
  updatedAt: Date
}

const PROJECTION = { name: 1, currency: 1, timeZone: 1, createdAt: 1, updatedAt: 1 } as const

export class AgenciesRepository {
  readonly collection
  readonly maxTimeMS: number

  constructor (db: Db, maxTimeMS: number) {
    this.collection = db.collection<AgencyRecord>('agencies')
    this.maxTimeMS = maxTimeMS
  }

  async create (agency: AgencyRecord): Promise<void> {
    await this.collection.insertOne(agency, { maxTimeMS: this.maxTimeMS, comment: 'repo:agencies.create' })
  }

  async findById (agencyId: ObjectId): Promise<AgencyRecord | null> {
    return await this.collection.findOne({ _id: agencyId }, { maxTimeMS: this.maxTimeMS, projection: PROJECTION, comment: 'repo:agencies.findById' })
  }

  async update (agencyId: ObjectId, set: Partial<Pick<AgencyRecord, 'name' | 'currency' | 'timeZone'>>): Promise<AgencyRecord | null> {
    return await this.collection.findOneAndUpdate({ _id: agencyId }, { $set: { ...set, updatedAt: new Date() } }, {
      maxTimeMS: this.maxTimeMS, projection: PROJECTION, returnDocument: 'after', comment: 'repo:agencies.update'
    })
  }

  async findWebhook (agencyId: ObjectId): Promise<WebhookSettings | null> {
    const record = await this.collection.findOne({ _id: agencyId }, { maxTimeMS: this.maxTimeMS, projection: { webhook: 1 }, comment: 'repo:agencies.findWebhook' })
    return record?.webhook ?? null
  }

  async hasWebhook (agencyId: ObjectId): Promise<boolean> {
    return await this.findWebhook(agencyId) !== null
  }

  /**
   * The agency's first webhook; null when it has one already (nothing is
   * replaced: a concurrent change keeps its secret).
   */
  async createWebhook (agencyId: ObjectId, webhook: WebhookSettings): Promise<WebhookSettings | null> {
    const result = await this.collection.updateOne({ _id: agencyId, webhook: { $exists: false } }, { $set: { webhook, updatedAt: webhook.updatedAt } }, {
      maxTimeMS: this.maxTimeMS, comment: 'repo:agencies.createWebhook'
    })
    return result.modifiedCount === 1 ? webhook : null
  }

  /** Changes the URL alone, so a rotation running meanwhile keeps its secret; null: no webhook. */
  async setWebhookUrl (agencyId: ObjectId, url: string, now: Date): Promise<WebhookSettings | null> {
    const record = await this.collection.findOneAndUpdate({ _id: agencyId, webhook: { $exists: true } }, { $set: { 'webhook.url': url, 'webhook.updatedAt': now, updatedAt: now } }, {
      maxTimeMS: this.maxTimeMS, projection: { webhook: 1 }, returnDocument: 'after', comment: 'repo:agencies.setWebhookUrl'
    })
    return record?.webhook ?? null
  }

  /**
   * Replaces the signing secret if it is still `current` (compare and set), the
   * old one signing until `previousUntil`; null: no webhook, or another rotation
   * came first.
   */
  async rotateWebhookSecret (agencyId: ObjectId, current: string, secret: string, previousUntil: Date, now: Date): Promise<WebhookSettings | null> {
    const record = await this.collection.findOneAndUpdate({ _id: agencyId, 'webhook.secret': current }, {
      $set: { 'webhook.secret': secret, 'webhook.previousSecret': current, 'webhook.previousSecretExpiresAt': previousUntil, 'webhook.updatedAt': now, updatedAt: now }
    }, { maxTimeMS: this.maxTimeMS, projection: { webhook: 1 }, returnDocument: 'after', comment: 'repo:agencies.rotateWebhookSecret' })
    return record?.webhook ?? null
  }

  async removeWebhook (agencyId: ObjectId): Promise<boolean> {
    const result = await this.collection.updateOne({ _id: agencyId, webhook: { $exists: true } }, { $unset: { webhook: '' }, $set: { updatedAt: new Date() } }, { maxTimeMS: this.maxTimeMS, comment: 'repo:agencies.removeWebhook' })
    return result.modifiedCount === 1
  }

  /** Scheduled jobs: every agency's id, in batches after a position. */
  async adminIds (after: ObjectId | null, limit: number): Promise<ObjectId[]> {
    const filter = after === null ? {} : { _id: { $gt: after } }
    const page = await this.collection.find(filter, { maxTimeMS: this.maxTimeMS, projection: { _id: 1 }, comment: 'repo:agencies.adminIds' }).sort({ _id: 1 }).limit(limit).toArray()
    return page.map((agency) => agency._id)
  }

  /** Undoes a signup whose owner could not be created (the email was taken meanwhile). */
  async remove (agencyId: ObjectId): Promise<void> {
    await this.collection.deleteOne({ _id: agencyId }, { maxTimeMS: this.maxTimeMS, comment: 'repo:agencies.remove' })
  }
}

/** The API's view of a record (the schema's shape). */
export function presentAgency (record: AgencyRecord): Agency {
  return {
    id: record._id.toHexString(),
    name: record.name,
    currency: record.currency,
    timeZone: record.timeZone,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString()
  }
}
