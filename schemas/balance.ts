import { Type, type Static } from 'typebox'
import { IsoDateTime, Money, ObjectIdString } from './common.ts'

export const Aging = Type.Object({
  '0-30': Money,
  '31-60': Money,
  '61-90': Money,
  '90+': Money
}, { description: 'outstanding amounts by days past due (charges not yet due count in 0-30)' })

export const Balance = Type.Object({
  currency: Type.String(),
  totalCharged: Money,
  totalPaid: Money,
  outstanding: Money,
  credit: Money,
  aging: Aging,
  asOf: IsoDateTime
})

export const LeaseBalance = Type.Object({ leaseId: ObjectIdString, ...Balance.properties })
export const TenantBalance = Type.Object({ tenantId: ObjectIdString, leaseIds: Type.Array(ObjectIdString), ...Balance.properties })
export type Balance = Static<typeof Balance>
