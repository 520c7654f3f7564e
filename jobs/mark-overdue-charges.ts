// Flags open charges whose due date has passed. Charges settled or voided are
// never overdue (their projection says so); this job catches those that become
// overdue with the passing of time. Idempotent: it only flips false to true.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { startOfUtcDay } from '../plugins/app/ledger/read-models.ts'

export function markOverdueCharges (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    const flagged = await app.repos.charges.adminMarkOverdue(startOfUtcDay(new Date()))
    helpers.logger.info(`flagged ${flagged} charges overdue`)
  }
}
