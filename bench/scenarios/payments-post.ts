// POST /v1/payments with a new Idempotency-Key each time, spread over the
// agency's active leases: claim the key, rewrite the lease's ledger, project
// the payment and its charges, move the dashboard figures, invalidate the cache.
import type { Request } from 'autocannon'
import type { Scenario } from './types.ts'

export const paymentsPost: Scenario = {
  name: 'payments-post',
  summary: 'POST /v1/payments with a unique Idempotency-Key per request, over 20 active leases',
  server: 'haven',
  scanDominated: false,
  async prepare (target) {
    const leases = await target.fetchJson('/v1/leases?status=active&limit=20', { headers: target.auth }) as { items: Array<{ id: string }> }
    if (leases.items.length === 0) throw new Error('payments-post needs active leases in the dataset')
    let sent = 0
    const run = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`
    const request: Request = {
      method: 'POST',
      path: '/v1/payments',
      headers: { ...target.auth, 'content-type': 'application/json' },
      setupRequest: (req) => {
        const lease = leases.items[sent % leases.items.length]!
        sent++
        return { ...req, headers: { ...req.headers, 'idempotency-key': `bench-${run}-${sent}` }, body: JSON.stringify({ leaseId: lease.id, amount: 1_000, method: 'bank_transfer' }) }
      }
    }
    return { requests: [request], extra: { leases: leases.items.length } }
  }
}
