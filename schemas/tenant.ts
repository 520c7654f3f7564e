import { Type, type Static, type TSchema } from 'typebox'
import { calendarDate, IsoDate, IsoDateTime, Name, Notes, ObjectIdString, PageQuery, SortParam } from './common.ts'
import { Email } from './user.ts'

export const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164: +, country code and number, digits only (e.g. +447700900123)', examples: ['+447700900123'] })

/**
 * A string schema that also takes null (a PATCH removing the field). One schema
 * with two types rather than anyOf: Ajv coerces types (coerceTypes) and would
 * turn "" or 0 into null inside an anyOf branch.
 */
function OrNull<T extends TSchema> (schema: T) {
  const { description } = schema as { description?: string }
  return Type.Unsafe<Static<T> | null>({ ...schema, type: ['string', 'null'], description: description === undefined ? 'null removes it' : `${description}; null removes it` })
}

export const Tenant = Type.Object({
  id: ObjectIdString,
  firstName: Name,
  lastName: Name,
  email: Type.Optional(Email),
  phone: Type.Optional(Phone),
  dateOfBirth: Type.Optional(IsoDate),
  notes: Type.Optional(Notes),
  archived: Type.Boolean(),
  archivedAt: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type Tenant = Static<typeof Tenant>

export const TenantCreate = Type.Object({
  firstName: Name,
  lastName: Name,
  email: Type.Optional(Email),
  phone: Type.Optional(Phone),
  dateOfBirth: Type.Optional(calendarDate()),
  notes: Type.Optional(Notes)
}, {
  additionalProperties: false,
  examples: [{ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+447700900123', dateOfBirth: '1990-12-10' }]
})

export const TenantPatch = Type.Object({
  firstName: Type.Optional(Name),
  lastName: Type.Optional(Name),
  email: Type.Optional(OrNull(Email)),
  phone: Type.Optional(OrNull(Phone)),
  dateOfBirth: Type.Optional(OrNull(calendarDate())),
  notes: Type.Optional(OrNull(Notes))
}, { additionalProperties: false, minProperties: 1 })

export const TENANT_SORTS = ['lastName', 'createdAt', 'updatedAt'] as const

export const TenantListQuery = Type.Object({
  archived: Type.Optional(Type.Boolean({ default: false, description: 'archived tenants instead of current ones' })),
  email: Type.Optional(Type.Unsafe<string>({ ...Email, description: 'tenants with exactly this email (any case)' })),
  sort: SortParam(TENANT_SORTS, 'lastName'),
  ...PageQuery
}, { additionalProperties: false })
