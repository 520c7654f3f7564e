// Rewrites the charge and payment documents of ledgers whose last change was
// cut short before its projections were written (a crash between the two
// steps). A minute of grace leaves in-flight requests to finish their own. Each
// round repairs a share of every agency's ledgers (plugins/app/fair-rounds.ts);
// a ledger whose repair fails is set aside and counted.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import type { ObjectId } from 'mongodb'

const TASK = 'repair-ledger-projections'
const GRACE_MS = 60_000
const SHARE = 50

export function repairLedgerProjections (app: FastifyInstance, graceMs = GRACE_MS): Task {
  return async (_payload, helpers) => {
    const cutoff = new Date(Date.now() - graceMs)
    let repaired = 0
    let setAside = 0
    // Repaired ledgers leave the query; the walk only steps past those set aside.
    const after = new Map<string, ObjectId>()
    await app.fairRounds.run(TASK, await app.repos.ledgers.adminAgenciesWithDirty(cutoff), async (agencyId) => {
      const page = await app.repos.ledgers.dirtyBefore(agencyId, cutoff, after.get(agencyId.toHexString()) ?? null, SHARE)
      for (const ledger of page) {
        try {
          await app.ledger.repair(ledger)
          repaired++
        } catch (err) {
          setAside++
          app.fairRounds.setAside(TASK, err, { agencyId: agencyId.toHexString(), leaseId: ledger._id.toHexString() })
        }
      }
      if (page.length < SHARE) return false
      after.set(agencyId.toHexString(), page.at(-1)!._id)
      return true
    })
    if (repaired + setAside > 0) helpers.logger.warn(`repaired the projections of ${repaired} ledgers; ${setAside} set aside`)
  }
}
