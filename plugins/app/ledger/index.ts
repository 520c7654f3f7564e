// The ledger service: every money change of a lease goes through `change()`,
// which rewrites the lease's ledger document atomically (optimistic version
// check, retried on conflict), then writes the read models (charges, payments)
// from that version. No step needs a transaction:
//   1. the ledger write decides everything, atomically, and is idempotent by item id;
//   2. projections are derived, version-guarded and safe to repeat;
//   3. a crash between 1 and 2 leaves the ledger marked dirty: the next change of
//      that lease, a replayed request, or the repair job rewrites every projection.
// A change of a clean ledger may also fold its settled history away (fold.ts),
// which keeps every ledger document within its bound.
import fp from 'fastify-plugin'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ObjectId } from 'mongodb'
import { NOTHING_FOLDED, type LedgerRecord } from '../repositories/ledgers.ts'
import { codedError } from '../error-handler.ts'
import { applyChange, type LedgerChange } from './changes.ts'
import { checkBound, foldLedger } from './fold.ts'
import { chargeDocs, movedItems, paymentDocs, settlementOf } from './read-models.ts'
import type { Settlement } from './allocate.ts'

export interface LeaseRef { agencyId: ObjectId, leaseId: ObjectId, propertyId: ObjectId, unitId: ObjectId }

export interface ChangeResult {
  change: LedgerChange
  /** the ledger before the change (version 0 and empty for a new one) */
  before: LedgerRecord
  settlementBefore: Settlement
  ledger: LedgerRecord
  settlement: Settlement
  /** false when the change was already in the ledger (a replay) */
  applied: boolean
}

export interface LedgerListener { (agencyId: ObjectId, result: ChangeResult): Promise<void> }

declare module 'fastify' {
  interface FastifyInstance {
    ledger: {
      change: (lease: LeaseRef, change: LedgerChange) => Promise<ChangeResult>
      /** rewrites every projection of a ledger version and clears its dirty mark */
      repair: (ledger: LedgerRecord) => Promise<void>
      get: (agencyId: ObjectId, leaseId: ObjectId) => Promise<LedgerRecord | null>
      /** awaited after every applied change, once its projections are written; failures are logged, not thrown */
      onChange: (listener: LedgerListener) => void
    }
  }
}

const MAX_ATTEMPTS = 25

function emptyLedger (lease: LeaseRef, now: Date): LedgerRecord {
  return {
    _id: lease.leaseId, agencyId: lease.agencyId, propertyId: lease.propertyId, unitId: lease.unitId, version: 0,
    charges: [], payments: [], carried: NOTHING_FOLDED, totalCharged: 0, totalPaid: 0, outstanding: 0, credit: 0, dirtySince: null, updatedAt: now
  }
}

export default fp(async function ledger (fastify) {
  const { ledgers, charges, payments } = fastify.repos
  const listeners: LedgerListener[] = []

  async function project (record: LedgerRecord, settlement: Settlement, only?: ReadonlySet<string>): Promise<void> {
    const now = new Date()
    await Promise.all([
      charges.project(chargeDocs(record, settlement, now, only)),
      payments.project(paymentDocs(record, settlement, now, only))
    ])
    await ledgers.markProjected(record.agencyId, record._id, record.version)
  }

  async function change (lease: LeaseRef, change: LedgerChange): Promise<ChangeResult> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const now = new Date()
      const stored = await ledgers.get(lease.agencyId, lease.leaseId)
      const base = stored ?? emptyLedger(lease, now)
      const before = settlementOf(base)
      const outcome = applyChange(base, change, now)

      if (!outcome.applied) {
        // Already in the ledger: a replay. Finish whatever a crashed attempt left undone.
        if (base.dirtySince !== null) await project(base, before)
        return { change, before: base, settlementBefore: before, ledger: base, settlement: before, applied: false }
      }

      let settlement = settlementOf(outcome.facts)
      // The items this change moved: their documents are rewritten, so they may not fold yet.
      const moved = new Set([...movedItems(before, settlement), outcome.itemId.toHexString()])
      let next: LedgerRecord = { ...base, ...outcome.facts }
      // A dirty ledger may hide documents not yet written: it folds at a later change.
      const folded = base.dirtySince === null ? foldLedger(next, settlement, now, moved) : null
      if (folded !== null) {
        next = folded
        settlement = settlementOf(folded)
      }
      checkBound(base, next, settlement.outstanding < before.outstanding || settlement.credit < before.credit)
      next = {
        ...next,
        version: base.version + 1,
        totalCharged: settlement.totalCharged,
        totalPaid: settlement.totalPaid,
        outstanding: settlement.outstanding,
        credit: settlement.credit,
        dirtySince: base.dirtySince ?? now,
        updatedAt: now
      }
      const written = stored === null ? await ledgers.create(next) : await ledgers.replace(next, base.version)
      if (!written) {
        // Another writer got there first: recompute from its version.
        await sleep(Math.random() * Math.min(50, attempt * 5))
        continue
      }

      // A ledger that was already dirty may hide an earlier unprojected version: rewrite all.
      await project(next, settlement, base.dirtySince === null ? moved : undefined)
      const result = { change, before: base, settlementBefore: before, ledger: next, settlement, applied: true }
      // Followers (the dashboard's rollups) must never fail a money write: what they
      // miss, the reconciliation job recomputes.
      for (const listener of listeners) {
        await listener(lease.agencyId, result).catch((err: unknown) => fastify.log.error({ err }, 'ledger listener failed'))
      }
      return result
    }
    throw codedError(503, 'LEDGER_BUSY', 'This lease\'s ledger is changing too fast; retry shortly')
  }

  fastify.decorate('ledger', {
    change,
    repair: (record: LedgerRecord) => project(record, settlementOf(record)),
    get: (agencyId: ObjectId, leaseId: ObjectId) => ledgers.get(agencyId, leaseId),
    onChange: (listener: LedgerListener) => { listeners.push(listener) }
  })
}, { name: 'ledger', dependencies: ['repositories'] })
