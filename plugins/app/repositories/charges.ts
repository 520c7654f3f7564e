// Charges: what a lease owes (monthly rent, fees, deposits…). The documents
// here are projections of the lease's ledger — written from it, never edited on
// their own — so they can be listed and filtered across the agency.
import type { Db, ObjectId } from 'mongodb'
import type { AgencyDoc } from './agency-collection.ts'
import { ProjectionRepository } from './projection.ts'
import { charges as indexes } from '../../../migrations/mongo/charges.ts'
import type { Charge } from '../../../schemas/charge.ts'
import { isoDate } from './calendar.ts'

export const CHARGE_KINDS = ['rent', 'fee', 'deposit', 'utility', 'repair', 'other'] as const
export type ChargeKind = typeof CHARGE_KINDS[number]
export type ChargeStatus = 'open' | 'paid' | 'voided'

export interface ChargeRecord extends AgencyDoc {
  leaseId: ObjectId
  propertyId: ObjectId
  unitId: ObjectId
  kind: ChargeKind
  /** YYYY-MM for rent */
  period: string | null
  description: string
  dueDate: Date
  amount: number
  paid: number
  outstanding: number
  status: ChargeStatus
  /** open and past its due date */
  overdue: boolean
  voidedAt: Date | null
  ledgerVersion: number
}

const PROJECTION = {
  agencyId: 1, leaseId: 1, propertyId: 1, unitId: 1, kind: 1, period: 1, description: 1, dueDate: 1, amount: 1, paid: 1, outstanding: 1,
  status: 1, overdue: 1, voidedAt: 1, ledgerVersion: 1, createdAt: 1, updatedAt: 1
} as const

export class ChargesRepository extends ProjectionRepository<ChargeRecord> {
  constructor (db: Db, maxTimeMS: number) {
    super(db, 'charges', { maxTimeMS, indexes, projection: PROJECTION })
  }

  /** Scheduled job: the agencies with open charges due before a date not flagged overdue yet. */
  async adminAgenciesWithOverdue (dueBefore: Date): Promise<ObjectId[]> {
    const { maxTimeMS, comment } = this.docs.readOptions('adminAgenciesWithOverdue')
    return await this.docs.collection.distinct('agencyId', { status: 'open', overdue: false, dueDate: { $lt: dueBefore } }, { maxTimeMS, comment })
  }

  /** Scheduled job: flags up to `limit` of the agency's open charges due before a date as overdue. Safe to repeat. */
  async markOverdue (agencyId: ObjectId, dueBefore: Date, limit: number): Promise<{ flagged: number, more: boolean }> {
    const open = { status: 'open' as const, overdue: false }
    const page = await this.docs.collection.find(this.docs.scoped(agencyId, { ...open, dueDate: { $lt: dueBefore } }), { ...this.docs.readOptions('markOverdue'), projection: { _id: 1 } })
      .limit(limit).toArray()
    if (page.length === 0) return { flagged: 0, more: false }
    const result = await this.docs.collection.updateMany(
      this.docs.scoped(agencyId, { ...open, _id: { $in: page.map((charge) => charge._id) } }),
      { $set: { overdue: true, updatedAt: new Date() } },
      this.docs.writeOptions('markOverdue')
    )
    return { flagged: result.modifiedCount, more: page.length === limit }
  }
}

/** The API's view of a record (the schema's shape). */
export function presentCharge (record: ChargeRecord): Charge {
  return {
    id: record._id.toHexString(),
    leaseId: record.leaseId.toHexString(),
    propertyId: record.propertyId.toHexString(),
    unitId: record.unitId.toHexString(),
    kind: record.kind,
    period: record.period,
    description: record.description,
    dueDate: isoDate(record.dueDate),
    amount: record.amount,
    paid: record.paid,
    outstanding: record.outstanding,
    status: record.status,
    overdue: record.overdue,
    voidedAt: record.voidedAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString()
  }
}
