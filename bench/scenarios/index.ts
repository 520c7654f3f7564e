// Every scenario npm run bench knows, in the order they run and are reported. A new scenario
// is one file beside this one, added here.
import { agencyGet } from './agency-get.ts'
import { dashboardCached } from './dashboard-cached.ts'
import { dashboardCold } from './dashboard-cold.ts'
import { dashboardMixed } from './dashboard-mixed.ts'
import { leasesGet } from './leases-get.ts'
import { paymentsPost } from './payments-post.ts'
import { ceilingFastify } from './ceiling-fastify.ts'
import { ceilingNodeHttp } from './ceiling-node-http.ts'
import { havenLive } from './haven-live.ts'
import { propertiesDeepPage } from './properties-deep-page.ts'
import { propertiesList } from './properties-list.ts'
import { peerDashboard } from './peer-dashboard.ts'
import type { Scenario } from './types.ts'

export const SCENARIOS: readonly Scenario[] = [
  ceilingNodeHttp, ceilingFastify, havenLive, agencyGet, propertiesList, propertiesDeepPage, leasesGet, paymentsPost,
  dashboardCached, peerDashboard, dashboardCold, dashboardMixed
]
