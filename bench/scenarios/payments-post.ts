// POST /v1/payments with a new Idempotency-Key each time, spread over the
// agency's active leases: claim the key, rewrite the lease's ledger, project
// the payment and its charges, move the dashboard figures, invalidate the cache.
import type { Scenario } from './types.ts'
import { paymentRequest } from './payment-request.ts'

export const paymentsPost: Scenario = {
  name: 'payments-post',
  summary: 'POST /v1/payments with a unique Idempotency-Key per request, over 100 active leases',
  server: 'haven',
  scanDominated: false,
  async prepare (target) {
    const { request, leases } = await paymentRequest(target)
    return { requests: [request], extra: { leases } }
  }
}
