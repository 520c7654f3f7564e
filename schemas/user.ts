import { Type, type Static } from 'typebox'
import { IsoDateTime, Name, ObjectIdString } from './common.ts'
import type { UserRecord } from '../plugins/app/repositories/users.ts'

export const Email = Type.String({ format: 'email', maxLength: 254 })
export const Password = Type.String({ minLength: 10, maxLength: 256, description: 'at least 10 characters' })
export const Role = Type.Enum(['owner', 'admin', 'manager', 'viewer'], { description: 'viewer reads; manager also writes domain data; admin also manages users; owner also manages admins' })

export const User = Type.Object({
  id: ObjectIdString,
  email: Email,
  name: Name,
  role: Role,
  status: Type.Enum(['active', 'disabled']),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type User = Static<typeof User>

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
