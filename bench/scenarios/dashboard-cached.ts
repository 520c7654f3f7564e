// GET /v1/dashboard for the largest agency, again and again: the full pipeline
// (token, rate limit, metrics) in front of a cache hit. The target:
// at least 0.35 × the bare node:http ceiling of the same run, p99 ≤ 20 ms.
import type { Scenario } from './types.ts'

export const dashboardCached: Scenario = {
  name: 'dashboard-cached',
  summary: 'GET /v1/dashboard, served from the cache (token, rate limit, metrics included)',
  server: 'haven',
  scanDominated: false,
  async prepare (target) {
    await target.fetchJson('/v1/dashboard', { headers: target.auth })
    return { requests: [{ method: 'GET', path: '/v1/dashboard', headers: target.auth }] }
  }
}
