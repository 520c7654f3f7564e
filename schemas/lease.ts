import { Type, type Static } from 'typebox'
import { calendarDate, IsoDate, IsoDateTime, Money, Notes, ObjectIdString, PageQuery, SortParam } from './common.ts'

export const LeaseStatus = Type.Enum(['draft', 'active', 'ended', 'terminated', 'cancelled'])
const DueDay = Type.Integer({ minimum: 1, maximum: 28, description: 'day of the month rent is due (1–28)' })
const TenantIds = Type.Array(ObjectIdString, { minItems: 1, maxItems: 10, uniqueItems: true })

export const Lease = Type.Object({
  id: ObjectIdString,
  unitId: ObjectIdString,
  propertyId: ObjectIdString,
  tenantIds: Type.Array(ObjectIdString),
  startDate: IsoDate,
  endDate: Type.Union([IsoDate, Type.Null()], { description: 'null: runs until terminated' }),
  rent: Money,
  deposit: Money,
  dueDay: DueDay,
  status: LeaseStatus,
  notes: Type.Optional(Notes),
  nextRentDueDate: Type.Union([IsoDate, Type.Null()], { description: 'when the next rent charge will be raised' }),
  activatedAt: Type.Union([IsoDateTime, Type.Null()]),
  endedAt: Type.Union([IsoDateTime, Type.Null()]),
  endReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type Lease = Static<typeof Lease>

export const LeaseCreate = Type.Object({
  unitId: ObjectIdString,
  tenantIds: TenantIds,
  startDate: calendarDate(),
  endDate: Type.Optional(Type.Union([calendarDate(), Type.Null()])),
  rent: Type.Integer({ minimum: 1, maximum: 1_000_000_000_00 }),
  deposit: Type.Optional(Money),
  dueDay: Type.Optional(DueDay),
  notes: Type.Optional(Notes),
  activate: Type.Optional(Type.Boolean({ default: false, description: 'activate at once instead of creating a draft' }))
}, {
  additionalProperties: false,
  examples: [{ unitId: '665f1c2e9b1d4a0012345679', tenantIds: ['665f1c2e9b1d4a001234567a'], startDate: '2026-07-01', endDate: '2027-06-30', rent: 125_000, deposit: 250_000, dueDay: 1, activate: true }]
})

export const LeasePatch = Type.Object({
  tenantIds: Type.Optional(TenantIds),
  startDate: Type.Optional(calendarDate()),
  endDate: Type.Optional(Type.Union([calendarDate(), Type.Null()])),
  rent: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000_00 })),
  deposit: Type.Optional(Money),
  dueDay: Type.Optional(DueDay),
  notes: Type.Optional(Notes)
}, { additionalProperties: false, minProperties: 1 })

export const LeaseTermination = Type.Object({
  endDate: Type.Optional(calendarDate()),
  reason: Type.String({ minLength: 1, maxLength: 500 })
}, { additionalProperties: false })

export const LEASE_SORTS = ['startDate', 'endDate', 'createdAt'] as const

export const LeaseListQuery = Type.Object({
  status: Type.Optional(LeaseStatus),
  unitId: Type.Optional(ObjectIdString),
  propertyId: Type.Optional(ObjectIdString),
  tenantId: Type.Optional(ObjectIdString),
  sort: SortParam(LEASE_SORTS, '-startDate'),
  ...PageQuery
}, { additionalProperties: false })
