// Lease lifecycle rules across several collections: the unit and tenants must
// be the agency's and current; activation claims the unit (the unique
// activeUnitId index refuses a second active lease) and records the deposit as
// a charge; ending or terminating frees the unit. Each step is a single-document
// write; the unit status that follows a lease is a convenience flag the next
// lease change or the reconciliation job corrects if a step was cut short.
import fp from 'fastify-plugin'
import { ObjectId } from 'mongodb'
import type { Auth } from './tenancy.ts'
import { codedError } from './error-handler.ts'
import { isDuplicateKey } from './repositories/agency-collection.ts'
import { CLOSED_STATUSES, type LeaseRecord, type LeaseStatus } from './repositories/leases.ts'
import { firstRentDueDate } from './ledger/rent-schedule.ts'
import { CALENDAR_RANGE, inCalendarRange } from './repositories/calendar.ts'
import type { LeaseRef } from './ledger/index.ts'

export type LeaseInput = Pick<LeaseRecord, 'unitId' | 'tenantIds' | 'startDate' | 'endDate' | 'rent' | 'deposit' | 'dueDay'> & { notes?: string | undefined }

export type LeaseChanges = Partial<Omit<LeaseInput, 'unitId'>>

declare module 'fastify' {
  interface FastifyInstance {
    leaseLifecycle: {
      /** a draft lease with this id (the one created before with it, when an idempotent create resumes) */
      create: (auth: Auth, id: ObjectId, input: LeaseInput) => Promise<LeaseRecord>
      update: (auth: Auth, id: ObjectId, changes: LeaseChanges) => Promise<LeaseRecord>
      activate: (auth: Auth, id: ObjectId) => Promise<LeaseRecord>
      terminate: (auth: Auth, id: ObjectId, endDate: Date, reason: string) => Promise<LeaseRecord>
      cancel: (auth: Auth, id: ObjectId) => Promise<LeaseRecord>
      /** the ledger reference of a lease of the caller's agency (404 otherwise) */
      ref: (agencyId: ObjectId, leaseId: ObjectId) => Promise<LeaseRef & { lease: LeaseRecord }>
      /** scheduled job: an active lease past its end date becomes ended */
      adminEnd: (lease: LeaseRecord) => Promise<void>
    }
  }
}

const DRAFT_ONLY: Array<keyof LeaseChanges> = ['startDate', 'dueDay', 'deposit']
const notFound = (what: string) => codedError(404, 'NOT_FOUND', `No such ${what} in your agency`)

function checkDates (startDate: Date, endDate: Date | null): void {
  if (endDate !== null && endDate <= startDate) throw codedError(400, 'INVALID_DATES', 'endDate must be after startDate')
}

export default fp(async function leaseLifecycle (fastify) {
  const { leases, units, tenants } = fastify.repos

  async function load (agencyId: ObjectId, id: ObjectId): Promise<LeaseRecord> {
    const lease = await leases.findById(agencyId, id)
    if (lease === null) throw notFound('lease')
    return lease
  }

  async function checkTenants (agencyId: ObjectId, tenantIds: ObjectId[]): Promise<void> {
    const found = await tenants.findByIds(agencyId, tenantIds)
    const current = new Set(found.filter((tenant) => !tenant.archived).map((tenant) => tenant._id.toHexString()))
    const missing = tenantIds.filter((id) => !current.has(id.toHexString()))
    if (missing.length > 0) throw codedError(404, 'NOT_FOUND', `No such tenant in your agency: ${missing.map((id) => id.toHexString()).join(', ')}`)
  }

  /** Applies a status change only from the expected statuses; explains a refusal. */
  function refused (lease: LeaseRecord, action: string): never {
    if (CLOSED_STATUSES.includes(lease.status)) throw codedError(409, 'LEASE_CLOSED', `This lease is ${lease.status}; it cannot be ${action}`)
    throw codedError(409, 'LEASE_STATE', `A ${lease.status} lease cannot be ${action}`)
  }

  const api = {
    async create (auth: Auth, id: ObjectId, input: LeaseInput): Promise<LeaseRecord> {
      checkDates(input.startDate, input.endDate)
      const unit = await units.findById(auth.agencyId, input.unitId)
      if (unit === null || unit.archived) throw notFound('unit')
      await checkTenants(auth.agencyId, input.tenantIds)
      const now = new Date()
      const record: LeaseRecord = {
        _id: id, agencyId: auth.agencyId, ...input, notes: input.notes, propertyId: unit.propertyId, status: 'draft',
        nextRentDueDate: null, activatedAt: null, endedAt: null, endReason: null, createdAt: now, updatedAt: now
      }
      if (record.notes === undefined) delete record.notes
      return await leases.create(record)
    },

    async update (auth: Auth, id: ObjectId, changes: LeaseChanges): Promise<LeaseRecord> {
      const lease = await load(auth.agencyId, id)
      if (CLOSED_STATUSES.includes(lease.status)) refused(lease, 'changed')
      if (lease.status === 'active' && DRAFT_ONLY.some((field) => changes[field] !== undefined)) {
        throw codedError(409, 'LEASE_STATE', `${DRAFT_ONLY.join(', ')} can only change while the lease is a draft`)
      }
      checkDates(changes.startDate ?? lease.startDate, changes.endDate === undefined ? lease.endDate : changes.endDate)
      if (changes.tenantIds !== undefined) await checkTenants(auth.agencyId, changes.tenantIds)
      const updated = await leases.update(auth.agencyId, id, changes, [lease.status])
      if (updated === null) throw codedError(409, 'LEASE_STATE', 'The lease changed meanwhile; read it again')
      return updated
    },

    async activate (auth: Auth, id: ObjectId): Promise<LeaseRecord> {
      const lease = await load(auth.agencyId, id)
      if (lease.status !== 'draft') refused(lease, 'activated')
      // Only a lease stored before dates had a range can be outside it; its rent would run for centuries.
      if (!inCalendarRange(lease.startDate) || (lease.endDate !== null && !inCalendarRange(lease.endDate))) {
        throw codedError(409, 'DATE_OUT_OF_RANGE', `This lease's dates are outside ${CALENDAR_RANGE}: correct them before activating it`)
      }
      let activated: LeaseRecord | null
      try {
        activated = await leases.activate(auth.agencyId, id, lease.unitId, firstRentDueDate(lease))
      } catch (err) {
        if (isDuplicateKey(err)) throw codedError(409, 'UNIT_OCCUPIED', 'The unit already has an active lease')
        throw err
      }
      if (activated === null) throw codedError(409, 'LEASE_STATE', 'The lease changed meanwhile; read it again')
      await units.setStatus(auth.agencyId, lease.unitId, 'occupied')
      if (lease.deposit > 0) {
        await fastify.ledger.change(refOf(activated), {
          type: 'addCharge',
          charge: { _id: new ObjectId(), kind: 'deposit', key: 'deposit', description: 'Deposit', dueDate: lease.startDate, amount: lease.deposit, voided: false, voidedAt: null, createdAt: new Date() }
        })
      }
      return activated
    },

    async terminate (auth: Auth, id: ObjectId, endDate: Date, reason: string): Promise<LeaseRecord> {
      const lease = await load(auth.agencyId, id)
      if (lease.status !== 'active') refused(lease, 'terminated')
      checkDates(lease.startDate, endDate)
      const closed = await leases.close(auth.agencyId, id, 'terminated', endDate, reason)
      if (closed === null) throw codedError(409, 'LEASE_STATE', 'The lease changed meanwhile; read it again')
      await units.setStatus(auth.agencyId, lease.unitId, 'vacant')
      return closed
    },

    async cancel (auth: Auth, id: ObjectId): Promise<LeaseRecord> {
      const lease = await load(auth.agencyId, id)
      if (lease.status === 'active') throw codedError(409, 'LEASE_ACTIVE', 'An active lease is terminated, not deleted: POST /v1/leases/:id/termination')
      if (lease.status !== 'draft') return lease
      const cancelled = await leases.update(auth.agencyId, id, { status: 'cancelled' as LeaseStatus, endedAt: new Date() }, ['draft'])
      if (cancelled === null) throw codedError(409, 'LEASE_STATE', 'The lease changed meanwhile; read it again')
      return cancelled
    },

    async ref (agencyId: ObjectId, leaseId: ObjectId) {
      const lease = await load(agencyId, leaseId)
      return { ...refOf(lease), lease }
    },

    async adminEnd (lease: LeaseRecord): Promise<void> {
      const closed = await leases.close(lease.agencyId, lease._id, 'ended', lease.endDate ?? new Date(), 'term ended')
      if (closed !== null) await units.setStatus(lease.agencyId, lease.unitId, 'vacant')
    }
  }

  fastify.decorate('leaseLifecycle', api)
}, { name: 'lease-lifecycle', dependencies: ['repositories', 'ledger'] })

export function refOf (lease: LeaseRecord): LeaseRef {
  return { agencyId: lease.agencyId, leaseId: lease._id, propertyId: lease.propertyId, unitId: lease.unitId }
}
