// agency_months: each agency's charged and collected money per month (plugins/app/
// repositories/agency-summaries.ts), for every month that holds a figure.
import type { AgencyMonthRecord } from '../../plugins/app/repositories/agency-summaries.ts'
import type { Generator } from './generator.ts'
import { censusOf } from './census.ts'

export const agencyMonths: Generator<AgencyMonthRecord> = {
  collection: 'agency_months',
  version: 2,
  count: (agency, context) => censusOf(agency, context).counts.agency_months!,
  * generate (agency, context) {
    yield * censusOf(agency, context).months
  }
}
