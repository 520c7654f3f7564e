import { Type, type Static } from 'typebox'
import { IsoDateTime, Name, Notes, ObjectIdString, PageQuery, SortParam } from './common.ts'

const Line = Type.String({ minLength: 1, maxLength: 200 })

export const Address = Type.Object({
  line1: Line,
  line2: Type.Optional(Line),
  city: Type.String({ minLength: 1, maxLength: 100 }),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  postalCode: Type.String({ minLength: 1, maxLength: 20 }),
  country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' })
}, { additionalProperties: false })

export const PropertyKind = Type.Enum(['residential', 'commercial', 'mixed'])

export const Property = Type.Object({
  id: ObjectIdString,
  name: Name,
  kind: PropertyKind,
  address: Address,
  notes: Type.Optional(Notes),
  archived: Type.Boolean(),
  archivedAt: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type Property = Static<typeof Property>

export const PropertyCreate = Type.Object({
  name: Name,
  kind: PropertyKind,
  address: Address,
  notes: Type.Optional(Notes)
}, {
  additionalProperties: false,
  examples: [{ name: 'Riverside Court', kind: 'residential', address: { line1: '12 River Street', city: 'Leeds', postalCode: 'LS1 4AB', country: 'GB' } }]
})

export const PropertyPatch = Type.Object({
  name: Type.Optional(Name),
  kind: Type.Optional(PropertyKind),
  address: Type.Optional(Address),
  notes: Type.Optional(Notes)
}, { additionalProperties: false, minProperties: 1 })

export const PROPERTY_SORTS = ['name', 'createdAt', 'updatedAt'] as const

export const PropertyListQuery = Type.Object({
  archived: Type.Optional(Type.Boolean({ default: false, description: 'archived properties instead of current ones' })),
  city: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  sort: SortParam(PROPERTY_SORTS, 'name'),
  ...PageQuery
}, { additionalProperties: false })
