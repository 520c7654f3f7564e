// The ledger service: every money change of a lease goes through `change()`,
// which rewrites the lease's ledger document atomically (optimistic version
// check, retried on conflict), then writes the read models (charges, payments)
// from that version. No step needs a transaction:
//   1. the ledger write decides everything, atomically, and is idempotent by item id;
//   2. projections are derived, version-guarded and safe to repeat;
//   3. a crash between 1 and 2 leaves the ledger marked dirty, with the items whose
//      documents may lag (pending.ts): the next change of that lease, a replayed
//      request, or the repair job rewrites those of them that lag.
// A change may also fold its settled history away (fold.ts), which keeps every
// ledger document within its bound.
// What does not depend on an earlier step runs beside it, so a change costs few
// round trips in sequence: the stored versions of the documents it rewrites are
// read while the ledger is written, and the followers (the dashboard's summaries)
// run while the projections are written. The next change of a busy lease starts
// from the version this process wrote (recent.ts), and its dirty mark is cleared
// a moment later, off the request's path (marks.ts).
import fp from 'fastify-plugin'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ObjectId } from 'mongodb'
import type { StoredVersions } from '../repositories/projection.ts'
import { NOTHING_FOLDED, type LedgerRecord, type PendingItems } from '../repositories/ledgers.ts'
import { codedError } from '../error-handler.ts'
import { applyChange, type LedgerChange } from './changes.ts'
import { checkBound, foldLedger } from './fold.ts'
import { chargeDocs, itemsOf, movedItems, paymentDocs, settlementOf } from './read-models.ts'
import { RecentLedgers } from './recent.ts'
import { DeferredMarks } from './marks.ts'
import { LeaseLanes } from './lanes.ts'
import { laggingOf, pendingAfter, stillToWrite } from './pending.ts'
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
      /** `read`: the ledger as the caller already read it (the first attempt starts from it; undefined: read here) */
      change: (lease: LeaseRef, change: LedgerChange, read?: LedgerRecord | null) => Promise<ChangeResult>
      /** rewrites every projection of a ledger version and clears its dirty mark */
      repair: (ledger: LedgerRecord) => Promise<void>
      get: (agencyId: ObjectId, leaseId: ObjectId) => Promise<LedgerRecord | null>
      /** the ledger as this process last wrote it (see recent.ts), else as MongoDB holds it: the start of a change */
      read: (agencyId: ObjectId, leaseId: ObjectId) => Promise<LedgerRecord | null>
      /** awaited after every applied change, beside its projections; failures are logged, not thrown */
      onChange: (listener: LedgerListener) => void
    }
  }
}

const MAX_ATTEMPTS = 25

interface ProjectionVersions { charges: StoredVersions, payments: StoredVersions }
/** the item a change adds, whose document does not exist yet */
interface Added { id: ObjectId, kind: 'charge' | 'payment' }

function emptyLedger (lease: LeaseRef, now: Date): LedgerRecord {
  return {
    _id: lease.leaseId, agencyId: lease.agencyId, propertyId: lease.propertyId, unitId: lease.unitId, version: 0,
    charges: [], payments: [], carried: NOTHING_FOLDED, totalCharged: 0, totalPaid: 0, outstanding: 0, credit: 0, dirtySince: null, updatedAt: now
  }
}

export default fp(async function ledger (fastify) {
  const { ledgers, charges, payments } = fastify.repos
  const listeners: LedgerListener[] = []
  const recent = new RecentLedgers()
  const lanes = new LeaseLanes()

  const marks = new DeferredMarks(
    (agencyId, leaseId, version) => ledgers.markProjected(agencyId, leaseId, version),
    (err) => fastify.log.warn({ err }, 'clearing a ledger\'s dirty mark failed; the next change or the repair job clears it')
  )
  fastify.addHook('onClose', () => marks.flush())

  /**
   * Writes a version's projections (all of them, or the items in `only`), then
   * clears its dirty mark (now, or a moment later: marks.ts). `stored`: versions
   * of the documents already known.
   */
  async function project (record: LedgerRecord, settlement: Settlement, only: ReadonlySet<string> | undefined, stored: ProjectionVersions | undefined, mark: 'now' | 'later'): Promise<void> {
    const now = new Date()
    await Promise.all([
      charges.project(chargeDocs(record, settlement, now, only), stored?.charges),
      payments.project(paymentDocs(record, settlement, now, only), stored?.payments)
    ])
    recent.projected(record.agencyId, record._id, record.version)
    if (mark === 'now') await ledgers.markProjected(record.agencyId, record._id, record.version)
    else marks.later(record.agencyId, record._id, record.version)
  }

  /**
   * Completes the projections of a version: the `moved` items' documents, and
   * those of the lagging items (see pending.ts) that lag. `versions`: the stored
   * versions of all of them but a new item's, if already asked for.
   */
  async function complete (record: LedgerRecord, settlement: Settlement, moved: ReadonlySet<string>, lagging: PendingItems | undefined,
    versions: Promise<ProjectionVersions> | undefined, mark: 'now' | 'later'): Promise<void> {
    if (lagging === undefined) return await project(record, settlement, undefined, undefined, mark)
    const only = new Set([...moved, ...Object.keys(lagging)])
    const stored = await (versions ?? storedVersionsOf(record, settlement, only, null))
    await project(record, settlement, stillToWrite(moved, lagging, [stored.charges, stored.payments]), stored, mark)
  }

  /**
   * The stored versions of the documents a version rewrites: none for the item
   * the change adds (it has no document yet; if a racing writer made one, the
   * insert is refused and compared), a key lookup for each other.
   */
  async function storedVersionsOf (record: LedgerRecord, settlement: Settlement, only: ReadonlySet<string>, added: Added | null): Promise<ProjectionVersions> {
    const addedId = added?.id.toHexString()
    const existing = (items: Array<{ _id: ObjectId }>, ids: string[]) => itemsOf(items, ids, only).filter(({ id }) => id !== addedId).map(({ item }) => item._id)
    const [chargeVersions, paymentVersions] = await Promise.all([
      charges.storedVersions(record.agencyId, existing(record.charges, settlement.chargeIds)),
      payments.storedVersions(record.agencyId, existing(record.payments, settlement.paymentIds))
    ])
    if (added !== null) (added.kind === 'charge' ? chargeVersions : paymentVersions).set(added.id.toHexString(), null)
    return { charges: chargeVersions, payments: paymentVersions }
  }

  async function notify (agencyId: ObjectId, result: ChangeResult): Promise<void> {
    // Followers (the dashboard's rollups) must never fail a money write: what they
    // miss, the reconciliation job recomputes.
    for (const listener of listeners) {
      await listener(agencyId, result).catch((err: unknown) => fastify.log.error({ err }, 'ledger listener failed'))
    }
  }

  async function change (lease: LeaseRef, change: LedgerChange, read?: LedgerRecord | null): Promise<ChangeResult> {
    const lane = await lanes.enter(`${lease.agencyId.toHexString()}:${lease.leaseId.toHexString()}`)
    try {
      // After a wait the caller's read is older than the version just written here.
      return await changeInLane(lease, change, lane.waited ? recent.get(lease.agencyId, lease.leaseId) : read, lane.leave)
    } finally {
      lane.leave()
    }
  }

  /** `leave`: called once the ledger and its projections are written, for the lease's next change to start. */
  async function changeInLane (lease: LeaseRef, change: LedgerChange, read: LedgerRecord | null | undefined, leave: () => void): Promise<ChangeResult> {
    let prefetched = read
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const now = new Date()
      const stored = prefetched === undefined ? await ledgers.get(lease.agencyId, lease.leaseId) : prefetched
      // Only a first attempt may start from memory (or from what the caller read, which may be memory).
      const maybeRemembered = prefetched !== undefined
      prefetched = undefined
      const base = stored ?? emptyLedger(lease, now)
      const before = recent.settlementOf(base) ?? settlementOf(base)
      const outcome = applyChange(base, change, now)

      if (!outcome.applied && maybeRemembered && stored !== null && recent.get(lease.agencyId, lease.leaseId) === stored) {
        // Answer a replay from MongoDB's version, never from a memory another process may have overtaken.
        recent.forget(lease.agencyId, lease.leaseId)
        continue
      }
      // A dirty ledger may hide an earlier version's unwritten documents (pending.ts).
      const lagging = laggingOf(base)
      if (!outcome.applied) {
        // Already in the ledger: a replay. Finish whatever a crashed attempt left undone.
        if (base.dirtySince !== null) await complete(base, before, new Set(), lagging, undefined, 'later')
        return { change, before: base, settlementBefore: before, ledger: base, settlement: before, applied: false }
      }

      let settlement = settlementOf(outcome.facts)
      // The items this change moved: their documents are rewritten, so they may not fold yet.
      const moved = new Set([...movedItems(before, settlement), outcome.itemId.toHexString()])
      let next: LedgerRecord = { ...base, ...outcome.facts }
      // Neither may items whose documents may lag; a ledger that may lag anywhere folds at a later change.
      const folded = lagging === undefined ? null : foldLedger(next, settlement, now, new Set([...moved, ...Object.keys(lagging)]))
      if (folded !== null) {
        next = folded
        settlement = settlementOf(folded)
      }
      checkBound(base, next, settlement.outstanding < before.outstanding || settlement.credit < before.credit)
      const version = base.version + 1
      next = {
        ...next,
        version,
        totalCharged: settlement.totalCharged,
        totalPaid: settlement.totalPaid,
        outstanding: settlement.outstanding,
        credit: settlement.credit,
        dirtySince: base.dirtySince ?? now,
        ...(lagging === undefined ? {} : { pending: pendingAfter(lagging, moved, version) }),
        updatedAt: now
      }
      const added: Added | null = change.type === 'addCharge' ? { id: outcome.itemId, kind: 'charge' } : change.type === 'addPayment' ? { id: outcome.itemId, kind: 'payment' } : null
      const versions = lagging === undefined ? undefined : storedVersionsOf(next, settlement, new Set([...moved, ...Object.keys(lagging)]), added)
      // Awaited once the ledger is written; if that write fails, its failure is the one reported.
      versions?.catch(() => undefined)
      const written = stored === null ? await ledgers.create(next) : await ledgers.replace(next, base)
      if (!written) {
        // Another writer got there first: recompute from its version.
        recent.forget(lease.agencyId, lease.leaseId)
        await sleep(Math.random() * Math.min(50, attempt * 5))
        continue
      }
      recent.written(next, settlement)

      const result = { change, before: base, settlementBefore: before, ledger: next, settlement, applied: true }
      const [projected] = await Promise.allSettled([
        complete(next, settlement, moved, lagging, versions, 'later').finally(leave),
        notify(lease.agencyId, result)
      ])
      if (projected.status === 'rejected') throw projected.reason
      return result
    }
    throw codedError(503, 'LEDGER_BUSY', 'This lease\'s ledger is changing too fast; retry shortly')
  }

  fastify.decorate('ledger', {
    change,
    repair: (record: LedgerRecord) => complete(record, settlementOf(record), new Set(), laggingOf(record), undefined, 'now'),
    get: (agencyId: ObjectId, leaseId: ObjectId) => ledgers.get(agencyId, leaseId),
    read: async (agencyId: ObjectId, leaseId: ObjectId) => recent.get(agencyId, leaseId) ?? await ledgers.get(agencyId, leaseId),
    onChange: (listener: LedgerListener) => { listeners.push(listener) }
  })
}, { name: 'ledger', dependencies: ['repositories'] })
