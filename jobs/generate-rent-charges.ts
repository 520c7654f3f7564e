// Raises each active lease's monthly rent on its due date. Each round takes the
// leases due by now (oldest due first), raises one period each and moves their
// schedule on; rounds repeat until none is due, so a lease several months
// behind (the worker was down) is brought up to date in one run. Safe to run
// twice: the ledger holds one rent charge per period ("rent:YYYY-MM"), and the
// lease's schedule only moves on from the date this run read.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { ObjectId } from 'mongodb'
import { refOf } from '../plugins/app/lease-lifecycle.ts'
import { followingRentDueDate, periodOf } from '../plugins/app/ledger/rent-schedule.ts'

const BATCH = 200
const MAX_CHARGES_PER_RUN = 100_000

export function generateRentCharges (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    const { leases } = app.repos
    const now = new Date()
    let raised = 0
    while (raised < MAX_CHARGES_PER_RUN) {
      const due = await leases.adminRentDue(now, BATCH)
      let advanced = 0
      for (const lease of due) {
        const dueDate = lease.nextRentDueDate!
        const period = periodOf(dueDate)
        const result = await app.ledger.change(refOf(lease), {
          type: 'addCharge',
          charge: { _id: new ObjectId(), kind: 'rent', key: `rent:${period}`, description: `Rent ${period}`, dueDate, amount: lease.rent, voided: false, voidedAt: null, createdAt: now }
        })
        if (result.applied) raised++
        if (await leases.advanceRent(lease.agencyId, lease._id, dueDate, followingRentDueDate(period, lease)) !== null) advanced++
      }
      // Nothing moved on (empty, or only leases changed under us meanwhile): done.
      if (advanced === 0) break
    }
    helpers.logger.info(`raised ${raised} rent charges`)
    if (raised >= MAX_CHARGES_PER_RUN) await helpers.addJob('generate-rent-charges', {}, { jobKey: 'generate-rent-charges-continue' })
  }
}
