// A POST /v1/payments request for autocannon: a new Idempotency-Key each time,
// round-robin over the given leases (by default up to LEASES active leases of
// the agency). Spread wide on purpose: each payment adds to its lease's ledger,
// and a run writes thousands, so a few leases would grow histories no real
// lease has and slow later runs on the same dataset (reseed with
// `npm run stack -- down --profile bench`).
import type { Request } from 'autocannon'
import type { Target } from './types.ts'

const LEASES = 100

export async function paymentRequest (target: Target, leaseIds?: string[]): Promise<{ request: Request, leases: number, sent: () => number }> {
  const ids = leaseIds ?? (await target.fetchJson(`/v1/leases?status=active&limit=${LEASES}`, { headers: target.auth }) as { items: Array<{ id: string }> }).items.map((lease) => lease.id)
  if (ids.length === 0) throw new Error('payments need active leases in the dataset')
  let sent = 0
  const run = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`
  const request: Request = {
    method: 'POST',
    path: '/v1/payments',
    headers: { ...target.auth, 'content-type': 'application/json' },
    setupRequest: (req) => {
      const leaseId = ids[sent % ids.length]!
      sent++
      return { ...req, headers: { ...req.headers, 'idempotency-key': `bench-${run}-${sent}` }, body: JSON.stringify({ leaseId, amount: 1_000, method: 'bank_transfer' }) }
    }
  }
  return { request, leases: ids.length, sent: () => sent }
}
