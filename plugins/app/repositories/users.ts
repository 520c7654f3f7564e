// Agency staff. A user is a person's account at one agency: the same email may
// have an account at several agencies (each with its own role, status and
// password), unique within each agency. Login is by email, so its lookups run
// before the agency is known: by the agency and email when the caller names the
// agency, else across agencies by email alone.
import type { Db, ObjectId } from 'mongodb'
import { AgencyCollection, type AgencyDoc, type ListQuery, type Page } from './agency-collection.ts'
import { users as indexes } from '../../../migrations/mongo/users.ts'
import { ROLES, type User } from '../../../schemas/user.ts'

export type Role = typeof ROLES[number]

export interface UserRecord extends AgencyDoc {
  email: string
  name: string
  role: Role
  status: 'active' | 'disabled'
  passwordHash: string
  /**
   * Access tokens carry the version they were issued at; disabling, a role change
   * or a password change raises it, and older tokens stop working (absent: 0).
   */
  sessionVersion?: number
  /** when sessionVersion was last raised: instances catch up on revocations by it */
  sessionsRevokedAt?: Date
}

export interface SessionRevocation { userId: ObjectId, sessionVersion: number, sessionsRevokedAt: Date }

const PROJECTION = { agencyId: 1, email: 1, name: 1, role: 1, status: 1, sessionVersion: 1, createdAt: 1, updatedAt: 1 } as const
const LOGIN_PROJECTION = { ...PROJECTION, passwordHash: 1 } as const

export type UserChange = Partial<Pick<UserRecord, 'name' | 'role' | 'status' | 'passwordHash'>>

export class UsersRepository {
  readonly users: AgencyCollection<UserRecord>

  constructor (db: Db, maxTimeMS: number) {
    this.users = new AgencyCollection<UserRecord>(db, 'users', { maxTimeMS, indexes, projection: PROJECTION })
  }

  /** Login without a named agency: the email's accounts at every agency, oldest first, at most `limit`. */
  async globalFindByEmailForLogin (email: string, limit: number): Promise<UserRecord[]> {
    return await this.users.collection.find({ email }, {
      ...this.users.readOptions('globalFindByEmailForLogin'),
      projection: LOGIN_PROJECTION
    }).sort({ _id: 1 }).limit(limit).toArray()
  }

  /** How many agencies the email has an account at, counting at most `upTo`. */
  async globalCountByEmail (email: string, upTo: number): Promise<number> {
    const { maxTimeMS, comment } = this.users.readOptions('globalCountByEmail')
    return await this.users.collection.countDocuments({ email }, { limit: upTo, maxTimeMS, comment })
  }

  /** Login at a named agency. */
  async findByEmailForLogin (agencyId: ObjectId, email: string): Promise<UserRecord | null> {
    return await this.users.collection.findOne(this.users.scoped(agencyId, { email }), {
      ...this.users.readOptions('findByEmailForLogin'),
      projection: LOGIN_PROJECTION
    })
  }

  async findWithPassword (agencyId: ObjectId, id: ObjectId): Promise<UserRecord | null> {
    return await this.users.collection.findOne(this.users.scoped(agencyId, { _id: id }), {
      ...this.users.readOptions('findWithPassword'),
      projection: LOGIN_PROJECTION
    })
  }

  /** The user with this id: the one given, or the one created before with it (an idempotent create resumed). */
  create (user: UserRecord): Promise<UserRecord> {
    return this.users.insertOnce(user, 'create')
  }

  findById (agencyId: ObjectId, id: ObjectId): Promise<UserRecord | null> {
    return this.users.findById(agencyId, id)
  }

  list (agencyId: ObjectId, query: ListQuery): Promise<Page<UserRecord>> {
    return this.users.list(agencyId, query)
  }

  /**
   * Changes a user. `expected` holds the role and status the caller's permission
   * was decided on: if either changed meanwhile the update does not apply and
   * null is returned, so a decision is never applied to a user it was not made for.
   * A change of role, status or password raises the session version in the same
   * write, so the user's access tokens stop working with it.
   */
  update (agencyId: ObjectId, id: ObjectId, set: UserChange, expected: Partial<Pick<UserRecord, 'role' | 'status'>> = {}): Promise<UserRecord | null> {
    const revokes = set.role !== undefined || set.status !== undefined || set.passwordHash !== undefined
    const update = revokes ? { $set: { ...set, sessionsRevokedAt: new Date() }, $inc: { sessionVersion: 1 } } : { $set: set }
    return this.users.updateById(agencyId, id, update, 'update', expected)
  }

  /**
   * Every instance catches up on revocations (disabled, demoted, new password)
   * since an instant: a keyset page in revocation order, after `after` if given.
   */
  async globalRevokedSince (since: Date, after: SessionRevocation | null, limit: number): Promise<SessionRevocation[]> {
    const filter = after === null
      ? { sessionsRevokedAt: { $gte: since } }
      : { $or: [{ sessionsRevokedAt: { $gt: after.sessionsRevokedAt } }, { sessionsRevokedAt: after.sessionsRevokedAt, _id: { $gt: after.userId } }] }
    const found = await this.users.collection.find(filter, {
      ...this.users.readOptions('globalRevokedSince'),
      projection: { _id: 1, sessionVersion: 1, sessionsRevokedAt: 1 }
    }).sort({ sessionsRevokedAt: 1, _id: 1 }).limit(limit).toArray()
    return found.map((user) => ({ userId: user._id, sessionVersion: user.sessionVersion ?? 0, sessionsRevokedAt: user.sessionsRevokedAt! }))
  }
}

/** The API's view of a record (the schema's shape). */
export function presentUser (record: UserRecord): User {
  return {
    id: record._id.toHexString(),
    email: record.email,
    name: record.name,
    role: record.role,
    status: record.status,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString()
  }
}
