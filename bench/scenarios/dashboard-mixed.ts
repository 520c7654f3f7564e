// Dashboard reads with writes interleaved: each connection records a payment
// (which invalidates the agency's dashboards everywhere) every READS_PER_WRITE
// reads. extra.hitRate is the cache's own count over the load (warm-up included),
// from the operator's cache-stats route: the share of reads answered from L1.
import type { Request } from 'autocannon'
import type { Scenario, Target } from './types.ts'
import { datasetMonth } from './dashboard-cached.ts'
import { paymentRequest } from './payment-request.ts'

const READS_PER_WRITE = 50

interface Window { requests: number, hit: number, stale: number }
interface Stats { caches: Array<{ cache: string, windows: Record<'15m', Window> }> }

async function l1Counts (target: Target): Promise<Window> {
  const stats = await target.fetchJson('/ops/cache-stats', { headers: target.opsAuth }) as Stats
  return stats.caches.find((c) => c.cache === 'dashboard-l1')!.windows['15m']
}

export const dashboardMixed: Scenario = {
  name: 'dashboard-mixed',
  summary: `GET /v1/dashboard with a POST /v1/payments every ${READS_PER_WRITE} reads per connection`,
  server: 'haven',
  scanDominated: false,
  async prepare (target) {
    const { request: payment, sent } = await paymentRequest(target)
    const read: Request = { method: 'GET', path: `/v1/dashboard?period=${datasetMonth(target)}`, headers: target.auth }
    const before = await l1Counts(target)
    return {
      requests: [...Array.from({ length: READS_PER_WRITE }, () => read), payment],
      extra: { readsPerWrite: READS_PER_WRITE },
      finish: async () => {
        const after = await l1Counts(target)
        const requests = after.requests - before.requests
        return { hitRate: requests === 0 ? null : Math.round(((after.hit + after.stale - before.hit - before.stale) / requests) * 10_000) / 10_000, cacheReads: requests, payments: sent() }
      }
    }
  }
}
