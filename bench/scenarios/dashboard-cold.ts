// GET /v1/dashboard where every request misses both cache levels: each asks for
// a (month, widgets) combination the cache does not hold, so the figures are
// computed from the summary documents every time (two _id lookups), then
// stored. Its cost must not grow with the portfolio (p50 at L within 2× S).
// Only months the agency may ask for (its money's range): the requests cycle
// through the four years before the dataset's last full month and every widget
// subset, 48 × 127 = 6,096 variants, far more than the CACHE_AGENCY_MAX_ENTRIES
// an agency keeps, so a variant has always left both levels when it comes round
// again. The seeded history starts five years before the anchor; the year left
// out keeps the first months, where a small agency may have no money yet, out.
import type { Request } from 'autocannon'
import type { Scenario, Target } from './types.ts'
import { datasetMonth } from './dashboard-cached.ts'

const WIDGETS = ['portfolio', 'leases', 'rent', 'outstanding', 'history', 'maintenance', 'payments']
const SUBSETS = 2 ** WIDGETS.length - 1
const MONTHS = 48

/** The n-th query of the cycle: one of the MONTHS months up to the dataset's last full month, and a non-empty widget subset. */
export function distinctQuery (target: Target, n: number): string {
  const subset = (n % SUBSETS) + 1
  const [year, month] = datasetMonth(target).split('-').map(Number)
  const back = Math.floor(n / SUBSETS) % MONTHS
  const period = new Date(Date.UTC(year!, month! - 1 - back, 1)).toISOString().slice(0, 7)
  const include = WIDGETS.filter((_, bit) => (subset & (1 << bit)) !== 0).join(',')
  return `/v1/dashboard?period=${period}&include=${include}`
}

export const dashboardCold: Scenario = {
  name: 'dashboard-cold',
  summary: 'GET /v1/dashboard, every request a cache miss (computed from the summary documents)',
  server: 'haven',
  scanDominated: false,
  async prepare (target) {
    // A fresh place in the cycle per configuration.
    let next = Math.floor(Math.random() * SUBSETS * MONTHS)
    await target.fetchJson(distinctQuery(target, next++), { headers: target.auth })
    const request: Request = {
      method: 'GET',
      headers: target.auth,
      setupRequest: (req) => ({ ...req, path: distinctQuery(target, next++) })
    }
    return { requests: [request], extra: { variants: SUBSETS * MONTHS } }
  }
}
