import { Type, type Static } from 'typebox'
import { calendarDate, IsoDate, IsoDateTime, Money, ObjectIdString, PageQuery, SortParam } from './common.ts'

const Description = Type.String({ minLength: 1, maxLength: 500 })

export const Charge = Type.Object({
  id: ObjectIdString,
  leaseId: ObjectIdString,
  propertyId: ObjectIdString,
  unitId: ObjectIdString,
  kind: Type.Enum(['rent', 'fee', 'deposit', 'utility', 'repair', 'other']),
  period: Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}$' }), Type.Null()], { description: 'YYYY-MM for rent' }),
  description: Description,
  dueDate: IsoDate,
  amount: Money,
  paid: Money,
  outstanding: Money,
  status: Type.Enum(['open', 'paid', 'voided']),
  overdue: Type.Boolean({ description: 'open and past its due date' }),
  voidedAt: Type.Union([IsoDateTime, Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type Charge = Static<typeof Charge>

export const ChargeCreate = Type.Object({
  leaseId: ObjectIdString,
  kind: Type.Enum(['fee', 'utility', 'repair', 'other'], { description: 'rent and deposits are raised by the lease itself' }),
  description: Description,
  amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000_00 }),
  dueDate: calendarDate()
}, {
  additionalProperties: false,
  examples: [{ leaseId: '665f1c2e9b1d4a001234567b', kind: 'repair', description: 'Replaced a broken window', amount: 18_000, dueDate: '2026-07-15' }]
})

export const ChargePatch = Type.Object({
  description: Description
}, { additionalProperties: false, description: 'amounts never change: void the charge and raise another' })

export const CHARGE_SORTS = ['dueDate', 'createdAt'] as const

export const ChargeListQuery = Type.Object({
  leaseId: Type.Optional(ObjectIdString),
  status: Type.Optional(Type.Enum(['open', 'paid', 'voided'])),
  overdue: Type.Optional(Type.Boolean({ description: 'with status=open: only overdue (true) or not yet due (false)' })),
  sort: SortParam(CHARGE_SORTS, 'dueDate'),
  ...PageQuery
}, { additionalProperties: false })
