// POST /v1/payments to leases with a long money history: the largest agency's
// long leases, 10,000 charges and payments each (scripts/seed/ledger-history.ts),
// their settled history folded into the carried balance as the application
// folds it. The target: p99 ≤ 50 ms at 10 connections, as for any lease.
// Before the load each lease is charged a debt the load's payments settle: they
// then settle and fold as a tenant's payments do, instead of piling up as
// credit, which no fold may take and which would fill the ledger in a few runs.
import type { Scenario, Target } from './types.ts'
import { paymentRequest } from './payment-request.ts'
import { tenanciesOf } from '../../scripts/seed/tenancies.ts'
import { isLongLedger, LONG_LEDGER_ITEMS } from '../../scripts/seed/ledger-history.ts'

const DEBT = 100_000_000
const ATTEMPTS = 5

/** A write before the load, retried while the server still sheds the previous scenario's requests (503). */
async function retriedWhileBusy (send: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await send()
      return
    } catch (err) {
      if (attempt === ATTEMPTS || !/answered 503/.test((err as Error).message)) throw err
      await new Promise((resolve) => setTimeout(resolve, 2_000))
    }
  }
}

/** The ids of the agency's long leases, worked out from the dataset's plan as the seed made them. */
export function longLeases (target: Target): string[] {
  const ids: string[] = []
  for (const { leases } of tenanciesOf(target.agency, { plan: target.plan, passwordHash: '' })) {
    for (const lease of leases) if (isLongLedger(target.agency, lease)) ids.push(lease.id.toHexString())
    if (ids.length === target.agency.longLedgers) break
  }
  return ids
}

export const paymentsPostLongLedger: Scenario = {
  name: 'payments-post-long-ledger',
  summary: `POST /v1/payments over the leases whose histories hold ${LONG_LEDGER_ITEMS.toLocaleString('en-US')} items each`,
  server: 'haven',
  scanDominated: false,
  async prepare (target) {
    const ids = longLeases(target)
    if (ids.length === 0) throw new Error('payments-post-long-ledger needs the long leases of the dataset\'s largest agency')
    const today = new Date().toISOString().slice(0, 10)
    for (const leaseId of ids) {
      await retriedWhileBusy(() => target.fetchJson('/v1/charges', { method: 'POST', headers: target.auth, body: { leaseId, kind: 'other', description: 'Bench: a debt the load settles', amount: DEBT, dueDate: today } }))
    }
    const { request, leases } = await paymentRequest(target, ids)
    return { requests: [request], extra: { leases, itemsPerLease: LONG_LEDGER_ITEMS } }
  }
}
