// Cache invalidation across instances, through the cluster: a payment recorded through the
// balancer must show on the dashboard of every API process (each asked directly, so each
// answers from its own L1), within a bound. Part of npm run bench:rolling's report.
import { setTimeout as sleep } from 'node:timers/promises'
import type { ClusterState } from '../../scripts/cluster/state.ts'
import type { Account } from '../users/workload.ts'

const WITHIN_MS = 2_000

export interface InvalidationCheck {
  paymentId: string
  /** per API process: ms from the payment's answer until its dashboard listed it (null: not within the bound) */
  seenAfterMs: Record<string, number | null>
  passed: boolean
}

export async function checkInvalidation (state: ClusterState, account: Account, password: string, period: string): Promise<InvalidationCheck> {
  const call = async (base: string, path: string, init: { method?: string, body?: unknown, headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(10_000)
    })
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${await response.text()}`)
    return await response.json() as Record<string, unknown>
  }
  const { accessToken } = await call(state.balancerUrl, '/v1/auth/login', { method: 'POST', body: { email: account.email, password } }) as { accessToken: string }
  const auth = { authorization: `Bearer ${accessToken}` }
  const api = state.processes.filter((p) => p.role === 'api')
  // Every instance holds the agency's dashboard before the write, so each must drop or swap it.
  for (const p of api) await call(`http://127.0.0.1:${p.port}`, `/v1/dashboard?period=${period}`, { headers: auth })
  const payment = await call(state.balancerUrl, '/v1/payments', {
    method: 'POST',
    headers: { ...auth, 'idempotency-key': `invalidation-${Date.now()}` },
    body: { leaseId: account.leaseIds[0], amount: 1_000, method: 'bank_transfer' }
  }) as { id: string }
  const answered = performance.now()
  const seenAfterMs: Record<string, number | null> = {}
  await Promise.all(api.map(async (p) => {
    seenAfterMs[p.name] = null
    while (performance.now() - answered < WITHIN_MS) {
      const dashboard = await call(`http://127.0.0.1:${p.port}`, `/v1/dashboard?period=${period}`, { headers: auth }) as { payments?: Array<{ id: string }> }
      if (dashboard.payments?.some((item) => item.id === payment.id) === true) {
        seenAfterMs[p.name] = Math.round(performance.now() - answered)
        return
      }
      await sleep(20)
    }
  }))
  return { paymentId: payment.id, seenAfterMs, passed: Object.values(seenAfterMs).every((ms) => ms !== null) }
}
