// Keeps the dashboards of agencies read in the last 15 minutes warm in the
// shared cache, so their users rarely wait for a computation.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { ObjectId } from 'mongodb'

const ACTIVE_WITHIN_MS = 15 * 60_000

export function warmDashboards (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    const active = await app.dashboard.recentlyActive(new Date(Date.now() - ACTIVE_WITHIN_MS))
    for (const agencyId of active) await app.dashboard.warm(new ObjectId(agencyId))
    helpers.logger.info(`warmed ${active.length} dashboards`)
  }
}
