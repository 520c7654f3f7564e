// Rewrites the charge and payment documents of ledgers whose last change was
// cut short before its projections were written (a crash between the two
// steps). A minute of grace leaves in-flight requests to finish their own.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'

const GRACE_MS = 60_000
const BATCH = 200

export function repairLedgerProjections (app: FastifyInstance, graceMs = GRACE_MS): Task {
  return async (_payload, helpers) => {
    let repaired = 0
    for (let round = 0; round < 100; round++) {
      const dirty = await app.repos.ledgers.adminDirtyBefore(new Date(Date.now() - graceMs), BATCH)
      for (const ledger of dirty) await app.ledger.repair(ledger)
      repaired += dirty.length
      if (dirty.length < BATCH) break
    }
    if (repaired > 0) helpers.logger.warn(`repaired the projections of ${repaired} ledgers`)
  }
}
