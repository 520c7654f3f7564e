import { Type, type Static } from 'typebox'
import { IsoDateTime, Money, ObjectIdString, PageQuery, SortParam } from './common.ts'

const Label = Type.String({ minLength: 1, maxLength: 100, description: 'the unit\'s name within its property, e.g. "Flat 2B"; unique per property' })
const Rooms = Type.Integer({ minimum: 0, maximum: 20 })
const AreaSqm = Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'floor area in whole square metres' })
export const UNIT_STATUSES = ['vacant', 'occupied', 'notice', 'offline'] as const
export const UnitStatus = Type.Enum(UNIT_STATUSES)

export const Unit = Type.Object({
  id: ObjectIdString,
  propertyId: ObjectIdString,
  label: Label,
  bedrooms: Rooms,
  bathrooms: Rooms,
  areaSqm: Type.Optional(AreaSqm),
  marketRent: Money,
  status: UnitStatus,
  archived: Type.Boolean(),
  archivedAt: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type Unit = Static<typeof Unit>

export const UnitCreate = Type.Object({
  propertyId: ObjectIdString,
  label: Label,
  bedrooms: Rooms,
  bathrooms: Rooms,
  areaSqm: Type.Optional(AreaSqm),
  marketRent: Money,
  status: Type.Optional(UnitStatus)
}, {
  additionalProperties: false,
  examples: [{ propertyId: '665f1c2e9b1d4a0012345678', label: 'Flat 2B', bedrooms: 2, bathrooms: 1, areaSqm: 68, marketRent: 125_000 }]
})

// No propertyId: a unit stays in the property it was created in.
export const UnitPatch = Type.Object({
  label: Type.Optional(Label),
  bedrooms: Type.Optional(Rooms),
  bathrooms: Type.Optional(Rooms),
  areaSqm: Type.Optional(AreaSqm),
  marketRent: Type.Optional(Money),
  status: Type.Optional(UnitStatus)
}, { additionalProperties: false, minProperties: 1 })

export const UNIT_SORTS = ['label', 'createdAt', 'updatedAt', 'marketRent'] as const

export const UnitListQuery = Type.Object({
  archived: Type.Optional(Type.Boolean({ default: false, description: 'archived units instead of current ones' })),
  propertyId: Type.Optional(ObjectIdString),
  status: Type.Optional(UnitStatus),
  sort: SortParam(UNIT_SORTS, 'label'),
  ...PageQuery
}, { additionalProperties: false })
