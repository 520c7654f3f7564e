// Agency staff. Emails are unique across agencies (login is by email alone).
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
}

const PROJECTION = { agencyId: 1, email: 1, name: 1, role: 1, status: 1, createdAt: 1, updatedAt: 1 } as const

export class UsersRepository {
  readonly users: AgencyCollection<UserRecord>

  constructor (db: Db, maxTimeMS: number) {
    this.users = new AgencyCollection<UserRecord>(db, 'users', { maxTimeMS, indexes, projection: PROJECTION })
  }

  /** Login path: the agency is not known yet, so this lookup is by the unique email alone. */
  async globalFindByEmailForLogin (email: string): Promise<UserRecord | null> {
    return await this.users.collection.findOne({ email }, {
      ...this.users.readOptions('globalFindByEmailForLogin'),
      projection: { ...PROJECTION, passwordHash: 1 }
    })
  }

  async findWithPassword (agencyId: ObjectId, id: ObjectId): Promise<UserRecord | null> {
    return await this.users.collection.findOne(this.users.scoped(agencyId, { _id: id }), {
      ...this.users.readOptions('findWithPassword'),
      projection: { ...PROJECTION, passwordHash: 1 }
    })
  }

  async create (user: UserRecord): Promise<void> {
    await this.users.insert(user, 'create')
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
   */
  update (agencyId: ObjectId, id: ObjectId, set: Partial<Pick<UserRecord, 'name' | 'role' | 'status' | 'passwordHash'>>, expected: Partial<Pick<UserRecord, 'role' | 'status'>> = {}): Promise<UserRecord | null> {
    return this.users.updateById(agencyId, id, { $set: set }, 'update', expected)
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
