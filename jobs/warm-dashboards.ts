// Keeps the dashboards of agencies read in the last 15 minutes warm in the
// shared cache, so their users rarely wait for a computation. One agency whose
// dashboard fails is set aside and counted; the others are warmed all the same.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { ObjectId } from 'mongodb'
import { ACTIVE_WITHIN_MS } from '../plugins/app/dashboard.ts'

const TASK = 'warm-dashboards'

export function warmDashboards (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    const active = await app.dashboard.recentlyActive(new Date(Date.now() - ACTIVE_WITHIN_MS))
    const report = await app.fairRounds.run(TASK, active.map((id) => new ObjectId(id)), async (agencyId) => {
      await app.dashboard.warm(agencyId)
      return false
    })
    helpers.logger.info(`warmed ${active.length - report.agenciesSetAside} dashboards; ${report.agenciesSetAside} set aside`)
  }
}
