import { Type, type Static } from 'typebox'
import { IsoDateTime, Name, ObjectIdString, PageQuery, SortParam } from './common.ts'

export const Email = Type.String({ format: 'email', maxLength: 254 })
export const Password = Type.String({ minLength: 10, maxLength: 256, description: 'at least 10 characters' })
export const ROLES = ['owner', 'admin', 'manager', 'viewer'] as const
export const Role = Type.Enum(ROLES, { description: 'viewer reads; manager also writes domain data; admin also manages users; owner also manages admins' })

export const UserStatus = Type.Enum(['active', 'disabled'], { description: 'a disabled user can neither log in nor refresh a session' })

export const User = Type.Object({
  id: ObjectIdString,
  email: Email,
  name: Name,
  role: Role,
  status: UserStatus,
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type User = Static<typeof User>

export const UserCreate = Type.Object({
  email: Email,
  name: Name,
  role: Role,
  password: Password
}, {
  additionalProperties: false,
  examples: [{ email: 'sam@example.com', name: 'Sam Carter', role: 'manager', password: 'correct horse battery staple' }]
})

export const UserPatch = Type.Object({
  name: Type.Optional(Name),
  role: Type.Optional(Role),
  status: Type.Optional(UserStatus)
}, { additionalProperties: false, minProperties: 1 })

export const PasswordChange = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
  newPassword: Password
}, { additionalProperties: false })

export const USER_SORTS = ['name', 'createdAt'] as const

export const UserListQuery = Type.Object({
  role: Type.Optional(Role),
  status: Type.Optional(UserStatus),
  sort: SortParam(USER_SORTS, 'name'),
  ...PageQuery
}, { additionalProperties: false })
