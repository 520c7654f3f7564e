// Payments: money received for a lease, allocated to its oldest open charges.
// Like charges, the documents are projections of the lease's ledger.
import type { Db, ObjectId } from 'mongodb'
import type { AgencyDoc } from './agency-collection.ts'
import { ProjectionRepository } from './projection.ts'
import { payments as indexes } from '../../../migrations/mongo/payments.ts'
import type { Payment } from '../../../schemas/payment.ts'

export const PAYMENT_METHODS = ['bank_transfer', 'card', 'cash', 'check', 'direct_debit', 'other'] as const
export type PaymentMethod = typeof PAYMENT_METHODS[number]
export type PaymentStatus = 'applied' | 'reversed'

export interface PaymentRecord extends AgencyDoc {
  leaseId: ObjectId
  propertyId: ObjectId
  unitId: ObjectId
  amount: number
  receivedAt: Date
  method: PaymentMethod
  reference: string | null
  status: PaymentStatus
  /** the part settling charges; the rest is the lease's credit */
  applied: number
  allocations: Array<{ chargeId: ObjectId, amount: number }>
  reversedAt: Date | null
  reversalReason: string | null
  ledgerVersion: number
}

const PROJECTION = {
  agencyId: 1, leaseId: 1, propertyId: 1, unitId: 1, amount: 1, receivedAt: 1, method: 1, reference: 1, status: 1, applied: 1, allocations: 1,
  reversedAt: 1, reversalReason: 1, ledgerVersion: 1, createdAt: 1, updatedAt: 1
} as const

export class PaymentsRepository extends ProjectionRepository<PaymentRecord> {
  constructor (db: Db, maxTimeMS: number) {
    super(db, 'payments', { maxTimeMS, indexes, projection: PROJECTION })
  }
}

/** The API's view of a record (the schema's shape). */
export function presentPayment (record: PaymentRecord): Payment {
  return {
    id: record._id.toHexString(),
    leaseId: record.leaseId.toHexString(),
    propertyId: record.propertyId.toHexString(),
    unitId: record.unitId.toHexString(),
    amount: record.amount,
    receivedAt: record.receivedAt.toISOString(),
    method: record.method,
    reference: record.reference,
    status: record.status,
    applied: record.applied,
    allocations: record.allocations.map((a) => ({ chargeId: a.chargeId.toHexString(), amount: a.amount })),
    reversedAt: record.reversedAt?.toISOString() ?? null,
    reversalReason: record.reversalReason,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString()
  }
}
