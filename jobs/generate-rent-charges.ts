// Raises each active lease's monthly rent on its due date, sharing each round
// fairly between agencies (plugins/app/fair-rounds.ts): a round gives every
// agency with rent due a share of SHARE leases, and each lease raises at most
// PERIODS_PER_VISIT periods per visit; rounds repeat until none is due, so a
// lease several months behind (the worker was down) is brought up to date in
// one run, and one agency with years of rent due on many leases never holds up
// another agency's rent. A lease whose rent fails (its ledger is full, its
// dates are outside the calendar range, as stored before the range existed) is
// set aside for the run, counted and logged. Safe to run twice: the ledger
// holds one rent charge per period ("rent:YYYY-MM"), and the lease's schedule
// only moves on from the date this run read.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { ObjectId } from 'mongodb'
import { refOf } from '../plugins/app/lease-lifecycle.ts'
import { followingRentDueDate, periodOf } from '../plugins/app/ledger/rent-schedule.ts'
import type { LeaseRecord } from '../plugins/app/repositories/leases.ts'

const TASK = 'generate-rent-charges'
const SHARE = 50
const PERIODS_PER_VISIT = 12
const MAX_CHARGES_PER_RUN = 100_000

/** Where an agency's walk over its due leases is, and whether this pass over them moved any. */
interface Walk { after: ObjectId | null, progressed: boolean }

export function generateRentCharges (app: FastifyInstance, maxChargesPerRun = MAX_CHARGES_PER_RUN): Task {
  const { leases } = app.repos

  /** Raises the lease's due periods, a visit's worth; whether its schedule moved on. */
  async function visit (lease: LeaseRecord, now: Date, raised: { n: number }): Promise<boolean> {
    let current = lease
    for (let i = 0; i < PERIODS_PER_VISIT; i++) {
      const dueDate = current.nextRentDueDate
      if (dueDate === null || dueDate > now) return i > 0
      const period = periodOf(dueDate)
      const result = await app.ledger.change(refOf(current), {
        type: 'addCharge',
        charge: { _id: new ObjectId(), kind: 'rent', key: `rent:${period}`, description: `Rent ${period}`, dueDate, amount: current.rent, voided: false, voidedAt: null, createdAt: now }
      })
      if (result.applied) raised.n++
      const next = await leases.advanceRent(current.agencyId, current._id, dueDate, followingRentDueDate(period, current))
      // Changed meanwhile (ended, or another run moved it on): the next pass reads it again.
      if (next === null) return i > 0
      current = next
    }
    return true
  }

  return async (_payload, helpers) => {
    const now = new Date()
    const raised = { n: 0 }
    const setAside = new Set<string>()
    const walks = new Map<string, Walk>()
    const report = await app.fairRounds.run(TASK, await leases.adminAgenciesWithRentDue(now), async (agencyId) => {
      const walk = walks.get(agencyId.toHexString()) ?? { after: null, progressed: false }
      walks.set(agencyId.toHexString(), walk)
      const page = await leases.rentDue(agencyId, now, walk.after, SHARE)
      for (const lease of page) {
        const id = lease._id.toHexString()
        if (setAside.has(id)) continue
        try {
          if (await visit(lease, now, raised)) walk.progressed = true
        } catch (err) {
          setAside.add(id)
          app.fairRounds.setAside(TASK, err, { agencyId: agencyId.toHexString(), leaseId: id })
        }
      }
      if (page.length === SHARE) {
        walk.after = page.at(-1)!._id
        return true
      }
      // The end of the agency's due leases: another pass if this one moved any on.
      const again = walk.progressed
      walks.set(agencyId.toHexString(), { after: null, progressed: false })
      return again
    }, { stop: () => raised.n >= maxChargesPerRun })
    helpers.logger.info(`raised ${raised.n} rent charges in ${report.rounds} rounds over ${report.agencies} agencies; ${setAside.size} leases set aside`)
    if (report.stopped) await helpers.addJob(TASK, {}, { jobKey: 'generate-rent-charges-continue' })
  }
}
