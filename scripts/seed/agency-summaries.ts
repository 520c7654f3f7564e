// agency_summaries: each agency's dashboard summary (plugins/app/repositories/
// agency-summaries.ts), complete, as the census computed it.
import type { AgencySummaryRecord } from '../../plugins/app/repositories/agency-summaries.ts'
import type { Generator } from './generator.ts'
import { censusOf } from './census.ts'

export const agencySummaries: Generator<AgencySummaryRecord> = {
  collection: 'agency_summaries',
  version: 6,
  count: () => 1,
  * generate (agency, context) {
    yield censusOf(agency, context).summary
  }
}
