import { Type, type Static } from 'typebox'
import { instant, IsoDateTime, Money, ObjectIdString, PageQuery, SortParam } from './common.ts'

const Method = Type.Enum(['bank_transfer', 'card', 'cash', 'check', 'direct_debit', 'other'])
const Reference = Type.String({ minLength: 1, maxLength: 200 })

export const Payment = Type.Object({
  id: ObjectIdString,
  leaseId: ObjectIdString,
  propertyId: ObjectIdString,
  unitId: ObjectIdString,
  amount: Money,
  receivedAt: IsoDateTime,
  method: Method,
  reference: Type.Union([Reference, Type.Null()]),
  status: Type.Enum(['applied', 'reversed']),
  applied: Type.Integer({ minimum: 0, description: 'the part settling charges; the rest is credit on the lease' }),
  allocations: Type.Array(Type.Object({ chargeId: ObjectIdString, amount: Money }), { description: 'charges settled, oldest due first' }),
  reversedAt: Type.Union([IsoDateTime, Type.Null()]),
  reversalReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type Payment = Static<typeof Payment>

export const PaymentCreate = Type.Object({
  leaseId: ObjectIdString,
  amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000_00 }),
  receivedAt: Type.Optional(instant('defaults to now; never in the future')),
  method: Method,
  reference: Type.Optional(Reference)
}, {
  additionalProperties: false,
  examples: [{ leaseId: '665f1c2e9b1d4a001234567b', amount: 125_000, receivedAt: '2026-07-01T09:30:00.000Z', method: 'bank_transfer', reference: 'JULY-RENT-2B' }]
})

export const PaymentPatch = Type.Object({
  method: Type.Optional(Method),
  reference: Type.Optional(Type.Union([Reference, Type.Null()]))
}, { additionalProperties: false, minProperties: 1, description: 'amounts never change: reverse the payment and record another' })

export const PaymentReversal = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 500 })
}, { additionalProperties: false })

export const PAYMENT_SORTS = ['receivedAt', 'createdAt'] as const

export const PaymentListQuery = Type.Object({
  leaseId: Type.Optional(ObjectIdString),
  status: Type.Optional(Type.Enum(['applied', 'reversed'])),
  sort: SortParam(PAYMENT_SORTS, '-receivedAt'),
  ...PageQuery
}, { additionalProperties: false })
