// Money operations behind the charges, payments and balance routes. Each goes
// through the lease's ledger (see ledger/index.ts) and answers with the read
// model of the version it wrote.
import fp from 'fastify-plugin'
import type { ObjectId } from 'mongodb'
import { codedError } from './error-handler.ts'
import type { ChargeKind, ChargeRecord } from './repositories/charges.ts'
import type { PaymentMethod, PaymentRecord } from './repositories/payments.ts'
import type { LeaseRecord } from './repositories/leases.ts'
import { balanceOf, chargeDocs, paymentDocs, type BalanceFigures } from './ledger/read-models.ts'
import type { ChangeResult, LeaseRef } from './ledger/index.ts'
import type { LedgerRecord } from './repositories/ledgers.ts'
import type { LedgerChange } from './ledger/changes.ts'

export interface PaymentInput { leaseId: ObjectId, amount: number, receivedAt: Date, method: PaymentMethod, reference: string | null }
/** A payment checked and its lease's ledger read, before its id is known (see preparePayment). */
export interface PreparedPayment { input: PaymentInput, ref: LeaseRef, ledger: LedgerRecord | null }
export interface ChargeInput { leaseId: ObjectId, kind: ChargeKind, description: string, amount: number, dueDate: Date }

declare module 'fastify' {
  interface FastifyInstance {
    money: {
      /** checks a payment and reads its lease's ledger: what recording it builds on */
      preparePayment: (agencyId: ObjectId, input: PaymentInput) => Promise<PreparedPayment>
      recordPayment: (prepared: PreparedPayment, paymentId: ObjectId) => Promise<PaymentRecord>
      reversePayment: (agencyId: ObjectId, paymentId: ObjectId, reason: string) => Promise<PaymentRecord>
      amendPayment: (agencyId: ObjectId, paymentId: ObjectId, changes: { method?: PaymentMethod | undefined, reference?: string | null | undefined }) => Promise<PaymentRecord>
      raiseCharge: (agencyId: ObjectId, chargeId: ObjectId, input: ChargeInput) => Promise<ChargeRecord>
      voidCharge: (agencyId: ObjectId, chargeId: ObjectId) => Promise<ChargeRecord>
      describeCharge: (agencyId: ObjectId, chargeId: ObjectId, description: string) => Promise<ChargeRecord>
      leaseBalance: (agencyId: ObjectId, leaseId: ObjectId, on: Date) => Promise<BalanceFigures>
      /** the balances of several leases of the agency, summed */
      leasesBalance: (agencyId: ObjectId, leaseIds: ObjectId[], on: Date) => Promise<BalanceFigures>
    }
  }
}

// Clocks differ a little between a client and us; a payment "received" further ahead is a mistake.
const FUTURE_TOLERANCE_MS = 5 * 60_000
const MONEY_STATUSES = new Set(['active', 'ended', 'terminated'])

function sum (a: BalanceFigures, b: BalanceFigures): BalanceFigures {
  return {
    totalCharged: a.totalCharged + b.totalCharged,
    totalPaid: a.totalPaid + b.totalPaid,
    outstanding: a.outstanding + b.outstanding,
    credit: a.credit + b.credit,
    aging: { '0-30': a.aging['0-30'] + b.aging['0-30'], '31-60': a.aging['31-60'] + b.aging['31-60'], '61-90': a.aging['61-90'] + b.aging['61-90'], '90+': a.aging['90+'] + b.aging['90+'] }
  }
}

export default fp(async function money (fastify) {
  const { charges, payments, ledgers } = fastify.repos
  const { ledger, leaseLifecycle } = fastify

  function requireMoneyLease (lease: LeaseRecord): void {
    if (!MONEY_STATUSES.has(lease.status)) {
      throw codedError(409, 'LEASE_STATE', `A ${lease.status} lease has no money yet: activate it first`)
    }
  }

  const paymentOf = (result: ChangeResult, id: ObjectId) => paymentDocs(result.ledger, result.settlement, new Date(), new Set([id.toHexString()]))[0]!
  const chargeOf = (result: ChangeResult, id: ObjectId) => chargeDocs(result.ledger, result.settlement, new Date(), new Set([id.toHexString()]))[0]!

  /** Changes an existing payment or charge, found through its read model (so: in the caller's agency). */
  async function changeExisting (agencyId: ObjectId, leaseId: ObjectId, change: LedgerChange): Promise<ChangeResult> {
    return await ledger.change(await leaseLifecycle.ref(agencyId, leaseId), change)
  }

  /**
   * A change refused because its item was folded into the closed history is a
   * replay when the item's document already shows its effect (a payment
   * recorded, a charge voided, a payment reversed): answer that, as a replay
   * of an item still in the ledger would.
   */
  async function replayIfClosed<T> (attempt: () => Promise<T>, already: () => Promise<T | null>): Promise<T> {
    try {
      return await attempt()
    } catch (err) {
      const done = (err as { code?: unknown }).code === 'LEDGER_CLOSED' ? await already() : null
      if (done === null) throw err
      return done
    }
  }

  async function existingPayment (agencyId: ObjectId, id: ObjectId): Promise<PaymentRecord> {
    const payment = await payments.findById(agencyId, id)
    if (payment === null) throw codedError(404, 'NOT_FOUND', 'No such payment')
    return payment
  }

  async function existingCharge (agencyId: ObjectId, id: ObjectId): Promise<ChargeRecord> {
    const charge = await charges.findById(agencyId, id)
    if (charge === null) throw codedError(404, 'NOT_FOUND', 'No such charge')
    return charge
  }

  fastify.decorate('money', {
    async preparePayment (agencyId, input) {
      if (input.receivedAt.getTime() > Date.now() + FUTURE_TOLERANCE_MS) throw codedError(400, 'RECEIVED_IN_FUTURE', 'receivedAt is in the future')
      // A lease has a ledger only once it was activated, and an activated lease never
      // leaves the statuses that take money: the agency's ledger is proof enough, and
      // only a lease without one is read (for its status, or a 404).
      const stored = await ledger.read(agencyId, input.leaseId)
      if (stored !== null) return { input, ref: { agencyId, leaseId: stored._id, propertyId: stored.propertyId, unitId: stored.unitId }, ledger: stored }
      const { lease, ...ref } = await leaseLifecycle.ref(agencyId, input.leaseId)
      requireMoneyLease(lease)
      return { input, ref, ledger: null }
    },

    async recordPayment ({ input, ref, ledger: stored }, paymentId) {
      const change: LedgerChange = {
        type: 'addPayment',
        payment: { _id: paymentId, amount: input.amount, receivedAt: input.receivedAt, method: input.method, reference: input.reference, reversed: false, reversedAt: null, reversalReason: null, createdAt: new Date() }
      }
      // A retry whose first attempt landed before the payment was folded away: it is there.
      return await replayIfClosed(async () => paymentOf(await ledger.change(ref, change, stored), paymentId), () => payments.findById(ref.agencyId, paymentId))
    },

    async reversePayment (agencyId, paymentId, reason) {
      const payment = await existingPayment(agencyId, paymentId)
      return await replayIfClosed(
        async () => paymentOf(await changeExisting(agencyId, payment.leaseId, { type: 'reversePayment', paymentId, reason }), paymentId),
        async () => payment.status === 'reversed' ? payment : null
      )
    },

    async amendPayment (agencyId, paymentId, changes) {
      const payment = await existingPayment(agencyId, paymentId)
      return paymentOf(await changeExisting(agencyId, payment.leaseId, { type: 'amendPayment', paymentId, ...changes }), paymentId)
    },

    async raiseCharge (agencyId, chargeId, input) {
      const ref = await leaseLifecycle.ref(agencyId, input.leaseId)
      requireMoneyLease(ref.lease)
      const result = await ledger.change(ref, {
        type: 'addCharge',
        charge: { _id: chargeId, kind: input.kind, key: null, description: input.description, dueDate: input.dueDate, amount: input.amount, voided: false, voidedAt: null, createdAt: new Date() }
      })
      return chargeOf(result, chargeId)
    },

    async voidCharge (agencyId, chargeId) {
      const charge = await existingCharge(agencyId, chargeId)
      return await replayIfClosed(
        async () => chargeOf(await changeExisting(agencyId, charge.leaseId, { type: 'voidCharge', chargeId }), chargeId),
        async () => charge.status === 'voided' ? charge : null
      )
    },

    async describeCharge (agencyId, chargeId, description) {
      const charge = await existingCharge(agencyId, chargeId)
      return chargeOf(await changeExisting(agencyId, charge.leaseId, { type: 'describeCharge', chargeId, description }), chargeId)
    },

    async leaseBalance (agencyId, leaseId, on) {
      await leaseLifecycle.ref(agencyId, leaseId)
      return balanceOf(await ledgers.get(agencyId, leaseId), on)
    },

    async leasesBalance (agencyId, leaseIds, on) {
      const ledgersOf = await Promise.all(leaseIds.map((id) => ledgers.get(agencyId, id)))
      return ledgersOf.map((record) => balanceOf(record, on)).reduce(sum, balanceOf(null, on))
    }
  })
}, { name: 'money', dependencies: ['repositories', 'ledger', 'lease-lifecycle'] })
