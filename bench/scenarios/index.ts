// Every scenario npm run bench knows, in the order they run and are reported. A new scenario
// is one file beside this one, added here.
import { agencyGet } from './agency-get.ts'
import { chargesPageBrotli, chargesPageGzip, chargesPagePlain } from './charges-page.ts'
import { dashboardCached } from './dashboard-cached.ts'
import { dashboardCold } from './dashboard-cold.ts'
import { dashboardMixed } from './dashboard-mixed.ts'
import { leasesGet } from './leases-get.ts'
import { paymentsPost } from './payments-post.ts'
import { paymentsPostLongLedger } from './payments-post-long-ledger.ts'
import { ceilingFastify } from './ceiling-fastify.ts'
import { ceilingNodeHttp } from './ceiling-node-http.ts'
import { havenLive } from './haven-live.ts'
import { propertiesDeepPage } from './properties-deep-page.ts'
import { propertiesList } from './properties-list.ts'
import { jobStatus } from './job-status.ts'
import { jobStart } from './job-start.ts'
import { exportCsv, exportXlsx } from './export-throughput.ts'
import { exportMemory } from './export-memory.ts'
import { exportUnderLoad } from './export-under-load.ts'
import { peerDashboard } from './peer-dashboard.ts'
import type { Scenario } from './types.ts'

export const SCENARIOS: readonly Scenario[] = [
  ceilingNodeHttp, ceilingFastify, havenLive, agencyGet, propertiesList, propertiesDeepPage, leasesGet, chargesPagePlain, chargesPageGzip, chargesPageBrotli, paymentsPost, paymentsPostLongLedger,
  dashboardCached, peerDashboard, dashboardCold, dashboardMixed, jobStatus, jobStart, exportCsv, exportXlsx, exportMemory, exportUnderLoad
]
