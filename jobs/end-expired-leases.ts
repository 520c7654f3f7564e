// Active leases whose end date has passed become ended and free their unit.
// Each round gives every agency with expired leases a share of them (see
// plugins/app/fair-rounds.ts); a lease that fails is set aside and counted.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import type { ObjectId } from 'mongodb'
import { startOfUtcDay } from '../plugins/app/ledger/read-models.ts'

const TASK = 'end-expired-leases'
const SHARE = 100

export function endExpiredLeases (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    const today = startOfUtcDay(new Date())
    let ended = 0
    let setAside = 0
    // Ended leases leave the query; the walk only steps past those set aside.
    const after = new Map<string, ObjectId>()
    const report = await app.fairRounds.run(TASK, await app.repos.leases.adminAgenciesWithExpired(today), async (agencyId) => {
      const page = await app.repos.leases.expired(agencyId, today, after.get(agencyId.toHexString()) ?? null, SHARE)
      let endedHere = 0
      for (const lease of page) {
        try {
          await app.leaseLifecycle.adminEnd(lease)
          endedHere++
        } catch (err) {
          setAside++
          app.fairRounds.setAside(TASK, err, { agencyId: agencyId.toHexString(), leaseId: lease._id.toHexString() })
        }
      }
      if (endedHere > 0) await app.rollups.afterWrite(agencyId, ['leaseEnds', 'units'])
      ended += endedHere
      if (page.length < SHARE) return false
      after.set(agencyId.toHexString(), page.at(-1)!._id)
      return true
    })
    helpers.logger.info(`ended ${ended} leases over ${report.agencies} agencies; ${setAside} set aside`)
  }
}
