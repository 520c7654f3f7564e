// Flags open charges whose due date has passed. Charges settled or voided are
// never overdue (their projection says so); this job catches those that become
// overdue with the passing of time. Each round flags a share of every agency's
// charges (plugins/app/fair-rounds.ts), so one agency with millions of charges
// never holds up the others; an agency whose share fails is set aside and
// counted. Idempotent: it only flips false to true.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { startOfUtcDay } from '../plugins/app/ledger/read-models.ts'

const TASK = 'mark-overdue-charges'
const SHARE = 1_000

export function markOverdueCharges (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    const today = startOfUtcDay(new Date())
    let flagged = 0
    const report = await app.fairRounds.run(TASK, await app.repos.charges.adminAgenciesWithOverdue(today), async (agencyId) => {
      const share = await app.repos.charges.markOverdue(agencyId, today, SHARE)
      flagged += share.flagged
      return share.more
    })
    helpers.logger.info(`flagged ${flagged} charges overdue over ${report.agencies} agencies; ${report.agenciesSetAside} set aside`)
  }
}
