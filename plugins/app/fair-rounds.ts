// How a scheduled job shares its work between agencies. A run goes in rounds;
// each round gives every agency that still has work one share (a bounded batch
// of its items), so an agency with a mountain of due work (years of rent,
// thousands of expired leases) only ever takes its share of a round, and every
// other agency's work is done in the first rounds. An item that fails is set
// aside for the rest of the run: counted (haven_job_items_set_aside_total by
// task and reason), logged with its ids, never blocking the items after it; an
// agency whose share itself fails (its batch query) is set aside the same way.
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

declare module 'fastify' {
  interface FastifyInstance {
    fairRounds: {
      /** Runs rounds until no agency has work left (or `stop` says so). */
      run: (task: string, agencyIds: readonly ObjectId[], share: Share, options?: RoundsOptions) => Promise<RoundsReport>
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

  fastify.decorate('fairRounds', { run, setAside })
}, { name: 'fair-rounds', dependencies: ['metrics'] })
