// agencies: one document per planned agency (plugins/app/repositories/agencies.ts).
import type { AgencyRecord } from '../../plugins/app/repositories/agencies.ts'
import type { Generator } from './generator.ts'

export const agencies: Generator<AgencyRecord> = {
  collection: 'agencies',
  version: 1,
  count: () => 1,
  * generate (agency) {
    yield {
      _id: agency.id,
      name: agency.name,
      currency: agency.region.currency,
      timeZone: agency.region.timeZone,
      createdAt: agency.createdAt,
      updatedAt: agency.createdAt
    }
  }
}
