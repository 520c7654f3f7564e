// Recomputes every agency's dashboard summaries from the raw documents, and
// reports and repairs any drift (a write cut short between its steps, a bug).
// Each agency is one item: one that fails is set aside and counted, and the
// others are reconciled all the same (plugins/app/fair-rounds.ts).
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import type { ObjectId } from 'mongodb'

const TASK = 'reconcile-rollups'
const BATCH = 100

export function reconcileRollups (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    let after: ObjectId | null = null
    let checked = 0
    let drifted = 0
    let setAside = 0
    for (;;) {
      const ids = await app.repos.agencies.adminIds(after, BATCH)
      const report = await app.fairRounds.run(TASK, ids, async (agencyId) => {
        const drift = await app.rollups.reconcile(agencyId)
        checked++
        if (drift.length > 0) drifted++
        return false
      })
      setAside += report.agenciesSetAside
      if (ids.length < BATCH) break
      after = ids.at(-1)!
    }
    helpers.logger.info(`reconciled ${checked} agencies; ${drifted} had drifted and were repaired; ${setAside} set aside`)
  }
}
