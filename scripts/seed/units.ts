// units: the portfolio layout (portfolio.ts), each with the status its tenancy history leaves
// it in (plugins/app/repositories/units.ts): occupied under an active lease (or notice when it
// ends soon), otherwise vacant or offline; archived with their property.
import type { UnitRecord } from '../../plugins/app/repositories/units.ts'
import type { Generator } from './generator.ts'
import { tenanciesOf } from './tenancies.ts'

export const units: Generator<UnitRecord> = {
  collection: 'units',
  version: 1,
  count: (agency) => agency.units,
  * generate (agency, context) {
    for (const { unit, status, updatedAt } of tenanciesOf(agency, context)) {
      yield {
        _id: unit.id,
        agencyId: agency.id,
        propertyId: unit.property._id,
        label: unit.label,
        bedrooms: unit.bedrooms,
        bathrooms: unit.bathrooms,
        ...(unit.areaSqm === undefined ? {} : { areaSqm: unit.areaSqm }),
        marketRent: unit.marketRent,
        status,
        archived: unit.archivedAt !== null,
        archivedAt: unit.archivedAt,
        createdAt: unit.createdAt,
        updatedAt
      }
    }
  }
}
