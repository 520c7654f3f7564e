// tenants: the people on each lease (plugins/app/repositories/tenants.ts), created just before
// it. Many who left were archived some months later; contact details are often incomplete.
import type { TenantRecord } from '../../plugins/app/repositories/tenants.ts'
import { addDays } from './dates.ts'
import { ownImportKey } from '../../plugins/app/repositories/agency-collection.ts'
import type { Generator } from './generator.ts'
import { censusOf } from './census.ts'
import { FIRST_NAMES, LAST_NAMES } from './places.ts'
import { rng } from './prng.ts'
import { tenanciesOf } from './tenancies.ts'

const PHONE_PREFIX: Record<string, string> = { US: '+1617555', GB: '+447700', DE: '+49151' }

export const tenants: Generator<TenantRecord> = {
  collection: 'tenants',
  version: 2,
  count: (agency, context) => censusOf(agency, context).counts.tenants!,
  * generate (agency, context) {
    const { anchor, seed } = context.plan
    for (const { leases } of tenanciesOf(agency, context)) {
      for (const lease of leases) {
        const r = rng(seed, 'tenants', agency.index, lease.index)
        const lastName = r.pick(LAST_NAMES)
        for (const tenant of lease.tenants) {
          const firstName = r.pick(FIRST_NAMES)
          const archivedAt = lease.endedAt !== null && r.chance(0.4) ? addDays(lease.endedAt, r.int(10, 200)) : null
          const archived = archivedAt !== null && archivedAt < anchor
          const email = r.chance(0.85) ? `${firstName}.${lastName}.${tenant.index + 1}@mail.example`.toLowerCase() : undefined
          const phone = r.chance(0.7) ? `${PHONE_PREFIX[agency.region.country] ?? '+1617555'}${String(r.int(0, 9_999)).padStart(4, '0')}${r.int(10, 99)}` : undefined
          const dateOfBirth = r.chance(0.5) ? `${r.int(1950, 2004)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}` : undefined
          const notes = r.chance(0.05) ? 'Prefers contact by email.' : undefined
          yield {
            _id: tenant.id,
            agencyId: agency.id,
            firstName,
            lastName,
            ...(email === undefined ? {} : { email }),
            ...(phone === undefined ? {} : { phone }),
            ...(dateOfBirth === undefined ? {} : { dateOfBirth }),
            ...(notes === undefined ? {} : { notes }),
            archived,
            archivedAt: archived ? archivedAt : null,
            importKey: ownImportKey(tenant.id),
            createdAt: tenant.createdAt,
            updatedAt: archived ? archivedAt : tenant.createdAt
          }
        }
      }
    }
  }
}
