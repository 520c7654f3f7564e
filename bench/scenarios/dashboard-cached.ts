// GET /v1/dashboard for the largest agency, again and again: the full pipeline
// (token, rate limit, metrics) in front of a cache hit. The target:
// at least 0.35 × the bare node:http ceiling of the same run, p99 ≤ 20 ms.
import { datasetPeriod } from '../users/workload.ts'
import type { Scenario, Target } from './types.ts'

/** The dataset is a snapshot at its anchor: ask for the month before it, the last full one. */
export function datasetMonth (target: Target): string {
  return datasetPeriod(target.plan.anchor)
}

export const dashboardCached: Scenario = {
  name: 'dashboard-cached',
  summary: 'GET /v1/dashboard, served from the cache (token, rate limit, metrics included)',
  server: 'haven',
  scanDominated: false,
  async prepare (target) {
    const path = `/v1/dashboard?period=${datasetMonth(target)}`
    await target.fetchJson(path, { headers: target.auth })
    return { requests: [{ method: 'GET', path, headers: target.auth }], extra: { path } }
  }
}
