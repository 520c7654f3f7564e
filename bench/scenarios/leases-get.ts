// GET /v1/leases/:id: token, rate limit and one _id lookup in the leases collection.
import type { Scenario } from './types.ts'

export const leasesGet: Scenario = {
  name: 'leases-get',
  summary: 'GET /v1/leases/:id: token, rate limit (Redis) and one _id lookup',
  server: 'haven',
  scanDominated: false,
  async prepare (target) {
    const page = await target.fetchJson('/v1/leases?limit=1', { headers: target.auth }) as { items: Array<{ id: string }> }
    const lease = page.items[0]
    if (lease === undefined) throw new Error('leases-get needs a lease in the dataset')
    return { requests: [{ method: 'GET', path: `/v1/leases/${lease.id}`, headers: target.auth }] }
  }
}
