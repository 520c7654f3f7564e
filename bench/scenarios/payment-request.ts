// A POST /v1/payments request for autocannon: a new Idempotency-Key each time,
// spread over up to LEASES active leases of the agency. Spread wide on purpose:
// each payment grows its lease's ledger document, and a run writes thousands,
// so a few leases would grow ledgers no real lease has and slow later runs on
// the same dataset (reseed with `npm run stack -- down --profile bench`).
import type { Request } from 'autocannon'
import type { Target } from './types.ts'

const LEASES = 100

export async function paymentRequest (target: Target): Promise<{ request: Request, leases: number, sent: () => number }> {
  const leases = await target.fetchJson(`/v1/leases?status=active&limit=${LEASES}`, { headers: target.auth }) as { items: Array<{ id: string }> }
  if (leases.items.length === 0) throw new Error('payments need active leases in the dataset')
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
  return { request, leases: leases.items.length, sent: () => sent }
}
