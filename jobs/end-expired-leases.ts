// Active leases whose end date has passed become ended and free their unit.
// Each round gives every agency with expired leases a share of them (see
// plugins/app/fair-rounds.ts); a lease that fails is set aside and counted.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { startOfUtcDay } from '../plugins/app/ledger/read-models.ts'

const SHARE = 100

export function endExpiredLeases (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    const today = startOfUtcDay(new Date())
    const report = await app.fairRounds.walk('end-expired-leases', await app.repos.leases.adminAgenciesWithExpired(today), {
      share: SHARE,
      page: (agencyId, after, limit) => app.repos.leases.expired(agencyId, today, after, limit),
      each: (lease) => app.leaseLifecycle.adminEnd(lease),
      afterShare: async (agencyId, ended) => { if (ended > 0) await app.rollups.afterWrite(agencyId, ['leaseEnds', 'units']) }
    })
    helpers.logger.info(`ended ${report.done} leases over ${report.agencies} agencies; ${report.setAside} set aside`)
  }
}
