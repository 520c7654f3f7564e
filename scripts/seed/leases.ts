// leases: every lease of the tenancy histories (plugins/app/repositories/leases.ts and
// lease-lifecycle.ts): mostly active (holding activeUnitId, with the next rent due date the
// daily job would raise), ended or terminated ones before them, a few drafts and cancelled.
import type { LeaseRecord } from '../../plugins/app/repositories/leases.ts'
import type { Generator } from './generator.ts'
import { censusOf } from './census.ts'
import { rentScheduleOf, tenanciesOf } from './tenancies.ts'

export const leases: Generator<LeaseRecord> = {
  collection: 'leases',
  version: 1,
  count: (agency, context) => censusOf(agency, context).counts.leases!,
  * generate (agency, context) {
    for (const { leases: history } of tenanciesOf(agency, context)) {
      for (const lease of history) {
        const schedule = rentScheduleOf(lease, context.plan.anchor)
        yield {
          _id: lease.id,
          agencyId: agency.id,
          unitId: lease.unit.id,
          tenantIds: lease.tenants.map((t) => t.id),
          startDate: lease.startDate,
          endDate: lease.endDate,
          rent: lease.rent,
          deposit: lease.deposit,
          dueDay: lease.dueDay,
          ...(lease.notes === undefined ? {} : { notes: lease.notes }),
          propertyId: lease.unit.property._id,
          status: lease.status,
          nextRentDueDate: schedule.next,
          activatedAt: lease.activatedAt,
          endedAt: lease.endedAt,
          endReason: lease.endReason,
          createdAt: lease.createdAt,
          updatedAt: schedule.leaseUpdatedAt,
          // The unique sparse index's guard exists only while the lease is active.
          ...(lease.status === 'active' ? { activeUnitId: lease.unit.id } : {})
        }
      }
    }
  }
}
