// GET /v1/dashboard where every request misses both cache levels: each asks for
// a (month, widgets) combination no earlier request asked for, so the figures
// are computed from the summary documents every time (two _id lookups), then
// stored. Its cost must not grow with the portfolio (p50 at L within 2× S).
import type { Request } from 'autocannon'
import type { Scenario } from './types.ts'

const WIDGETS = ['portfolio', 'leases', 'rent', 'outstanding', 'history', 'maintenance', 'payments']

/** The n-th distinct query: a month from 1900 onwards, and a non-empty widget subset. */
export function distinctQuery (n: number): string {
  const subsets = 2 ** WIDGETS.length - 1
  const subset = (n % subsets) + 1
  const monthIndex = Math.floor(n / subsets)
  const period = `${1900 + Math.floor(monthIndex / 12)}-${String((monthIndex % 12) + 1).padStart(2, '0')}`
  const include = WIDGETS.filter((_, bit) => (subset & (1 << bit)) !== 0).join(',')
  return `/v1/dashboard?period=${period}&include=${include}`
}

export const dashboardCold: Scenario = {
  name: 'dashboard-cold',
  summary: 'GET /v1/dashboard, every request a cache miss (computed from the summary documents)',
  server: 'haven',
  scanDominated: false,
  async prepare (target) {
    // A fresh offset per configuration, so the second configuration misses too.
    let next = Math.floor(Math.random() * 1_000) * 10_000
    await target.fetchJson(distinctQuery(next++), { headers: target.auth })
    const request: Request = {
      method: 'GET',
      headers: target.auth,
      setupRequest: (req) => ({ ...req, path: distinctQuery(next++) })
    }
    return { requests: [request] }
  }
}
