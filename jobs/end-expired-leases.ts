// Active leases whose end date has passed become ended and free their unit.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { startOfUtcDay } from '../plugins/app/ledger/read-models.ts'

const BATCH = 500

export function endExpiredLeases (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    const today = startOfUtcDay(new Date())
    let ended = 0
    for (let round = 0; round < 1_000; round++) {
      const expired = await app.repos.leases.adminExpired(today, BATCH)
      for (const lease of expired) await app.leaseLifecycle.adminEnd(lease)
      const agencies = new Map(expired.map((lease) => [lease.agencyId.toHexString(), lease.agencyId]))
      for (const agencyId of agencies.values()) await app.rollups.afterWrite(agencyId, ['leaseEnds', 'units'])
      ended += expired.length
      if (expired.length < BATCH) break
    }
    helpers.logger.info(`ended ${ended} leases`)
  }
}
