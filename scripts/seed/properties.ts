// properties: about one per UNITS_PER_PROPERTY units, spread over the agency's cities with the
// first city the busiest (plugins/app/repositories/properties.ts). A few are archived, as
// DELETE leaves them.
import type { PropertyRecord } from '../../plugins/app/repositories/properties.ts'
import { ownImportKey } from '../../plugins/app/repositories/agency-collection.ts'
import type { Generator } from './generator.ts'
import { seededId } from './ids.ts'
import { BUILDING_KINDS, STREET_KINDS, STREETS } from './places.ts'
import { rng } from './prng.ts'

const ARCHIVED_SHARE = 0.03

export const properties: Generator<PropertyRecord> = {
  collection: 'properties',
  version: 2,
  count: (agency) => agency.properties,
  * generate (agency, { plan }) {
    const r = rng(plan.seed, 'properties', agency.index)
    for (let i = 0; i < agency.properties; i++) {
      // Half of the portfolio in the first city, the rest spread evenly.
      const city = r.chance(0.5) ? agency.cities[0]! : r.pick(agency.cities)
      const street = `${r.pick(STREETS)} ${r.pick(STREET_KINDS)}`
      const kindRoll = r.next()
      const createdAt = r.date(agency.createdAt, plan.anchor)
      const updatedAt = r.chance(0.3) ? r.date(createdAt, plan.anchor) : createdAt
      const archived = r.chance(ARCHIVED_SHARE)
      const notes = r.chance(0.2) ? `Keys with the ${r.pick(['concierge', 'caretaker', 'office', 'neighbour at no. 2'])}.` : undefined
      const id = seededId(createdAt, 'properties', agency.index, i)
      yield {
        _id: id,
        agencyId: agency.id,
        name: `${r.pick(STREETS)} ${r.pick(BUILDING_KINDS)}${r.chance(0.4) ? ` ${r.int(2, 40)}` : ''}`,
        kind: kindRoll < 0.8 ? 'residential' : kindRoll < 0.92 ? 'mixed' : 'commercial',
        address: {
          line1: `${r.int(1, 400)} ${street}`,
          city: city.name,
          region: city.region,
          postalCode: `${city.postalPrefix}${String(r.int(1, 99)).padStart(2, '0')}`,
          country: agency.region.country
        },
        ...(notes === undefined ? {} : { notes }),
        archived,
        archivedAt: archived ? updatedAt : null,
        importKey: ownImportKey(id),
        createdAt,
        updatedAt
      }
    }
  }
}
