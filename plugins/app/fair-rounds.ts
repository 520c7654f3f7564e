// How a scheduled job shares its work between agencies. A run goes in rounds;
// each round gives every agency that still has work one share (a bounded batch
// of its items), so an agency with a mountain of due work (years of rent,
// thousands of expired leases) only ever takes its share of a round, and every
// other agency's work is done in the first rounds. An item that fails is set
// aside for the rest of the run: counted (haven_job_items_set_aside_total by
// task and reason), logged with its ids, never blocking the items after it; an
// agency whose share itself fails (its batch query) is set aside the same way.
// walk() is the common case: items that leave their query once done (a lease
// ended, a ledger repaired), a page of them per share.
import fp from 'fastify-plugin'
import type { ObjectId } from 'mongodb'
import { promClient } from '../external/metrics.ts'

/** One agency's share of a round: does its work, and says whether it has more. */
export type Share = (agencyId: ObjectId) => Promise<boolean>

export interface RoundsOptions {
  /** checked before each share: true ends the run early (a budget used up) */
  stop?: () => boolean
}

export interface RoundsReport { rounds: number, agencies: number, agenciesSetAside: number, stopped: boolean }

/** Work that leaves its query once done (a lease ended, a ledger repaired): walked a page per share. */
export interface Walk<T extends { _id: ObjectId }> {
  share: number
  /** the agency's next items after a position, in _id order */
  page: (agencyId: ObjectId, after: ObjectId | null, limit: number) => Promise<T[]>
  each: (item: T) => Promise<void>
  /** after each share, with how many of its items were done */
  afterShare?: (agencyId: ObjectId, done: number) => Promise<void>
}

export interface WalkReport extends RoundsReport { done: number, setAside: number }

declare module 'fastify' {
  interface FastifyInstance {
    fairRounds: {
      /** Runs rounds until no agency has work left (or `stop` says so). */
      run: (task: string, agencyIds: readonly ObjectId[], share: Share, options?: RoundsOptions) => Promise<RoundsReport>
      /** Rounds over items that leave their query once done; only items set aside are stepped past. */
      walk: <T extends { _id: ObjectId }>(task: string, agencyIds: readonly ObjectId[], walk: Walk<T>) => Promise<WalkReport>
      /** Counts and logs an item a task sets aside after it failed. */
      setAside: (task: string, err: unknown, context: Record<string, string>) => void
    }
  }
}

// A document over MongoDB's size limit: the driver refuses it, or the server does.
const TOO_LARGE = /larger than the maximum|too large|BSONObjectTooLarge/i

/** A bounded label for why an item failed: our error codes, or a few known kinds. */
export function reasonOf (err: unknown): string {
  const { code, message } = err as { code?: unknown, message?: unknown }
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code) && !code.startsWith('FST_')) return code
  if (code === 10334 || code === 17419 || (typeof message === 'string' && TOO_LARGE.test(message))) return 'DOCUMENT_TOO_LARGE'
  return 'ERROR'
}

export default fp(async function fairRounds (fastify) {
  const setAsideCounter = new promClient.Counter({
    name: 'haven_job_items_set_aside_total',
    help: 'Items a scheduled job set aside for the rest of its run after they failed, by task and reason',
    labelNames: ['task', 'reason'] as const,
    registers: [fastify.metricsRegistry]
  })

  function setAside (task: string, err: unknown, context: Record<string, string>): void {
    const reason = reasonOf(err)
    setAsideCounter.inc({ task, reason })
    fastify.log.warn({ err, task, reason, ...context }, 'scheduled job set an item aside')
  }

  async function run (task: string, agencyIds: readonly ObjectId[], share: Share, options: RoundsOptions = {}): Promise<RoundsReport> {
    let active = [...agencyIds]
    let rounds = 0
    let agenciesSetAside = 0
    while (active.length > 0) {
      rounds++
      const stillBusy: ObjectId[] = []
      for (const agencyId of active) {
        if (options.stop?.() === true) return { rounds, agencies: agencyIds.length, agenciesSetAside, stopped: true }
        try {
          if (await share(agencyId)) stillBusy.push(agencyId)
        } catch (err) {
          agenciesSetAside++
          setAside(task, err, { agencyId: agencyId.toHexString() })
        }
      }
      active = stillBusy
    }
    return { rounds, agencies: agencyIds.length, agenciesSetAside, stopped: false }
  }

  async function walk<T extends { _id: ObjectId }> (task: string, agencyIds: readonly ObjectId[], work: Walk<T>): Promise<WalkReport> {
    let done = 0
    let setAsideItems = 0
    const after = new Map<string, ObjectId>()
    const report = await run(task, agencyIds, async (agencyId) => {
      const agency = agencyId.toHexString()
      const page = await work.page(agencyId, after.get(agency) ?? null, work.share)
      let doneHere = 0
      for (const item of page) {
        try {
          await work.each(item)
          doneHere++
        } catch (err) {
          setAsideItems++
          setAside(task, err, { agencyId: agency, itemId: item._id.toHexString() })
        }
      }
      done += doneHere
      await work.afterShare?.(agencyId, doneHere)
      if (page.length < work.share) return false
      after.set(agency, page.at(-1)!._id)
      return true
    })
    return { ...report, done, setAside: setAsideItems }
  }

  fastify.decorate('fairRounds', { run, walk, setAside })
}, { name: 'fair-rounds', dependencies: ['metrics'] })
