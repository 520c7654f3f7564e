// Rewrites the charge and payment documents of ledgers whose last change was
// cut short before its projections were written (a crash between the two
// steps). A minute of grace leaves in-flight requests to finish their own. Each
// round repairs a share of every agency's ledgers (plugins/app/fair-rounds.ts);
// a ledger whose repair fails is set aside and counted.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'

const GRACE_MS = 60_000
const SHARE = 50

export function repairLedgerProjections (app: FastifyInstance, graceMs = GRACE_MS): Task {
  return async (_payload, helpers) => {
    const cutoff = new Date(Date.now() - graceMs)
    const report = await app.fairRounds.walk('repair-ledger-projections', await app.repos.ledgers.adminAgenciesWithDirty(cutoff), {
      share: SHARE,
      page: (agencyId, after, limit) => app.repos.ledgers.dirtyBefore(agencyId, cutoff, after, limit),
      each: (ledger) => app.ledger.repair(ledger)
    })
    if (report.done + report.setAside > 0) helpers.logger.warn(`repaired the projections of ${report.done} ledgers; ${report.setAside} set aside`)
  }
}
