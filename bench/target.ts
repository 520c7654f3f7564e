// What a scenario is given to act on (scenarios/types.ts Target): the server under test, the
// dataset's plan and agency, the callers' headers, and a one-off request helper for the
// requests a scenario makes before its load.
import type { SeedPlan } from '../scripts/seed/plan.ts'
import type { Target, WorkerHandle } from './scenarios/types.ts'

export function targetFor (server: { baseUrl: string, pid: number }, plan: SeedPlan, auth: Record<string, string>, opsToken = '', worker: WorkerHandle | null = null): Target {
  return {
    baseUrl: server.baseUrl,
    serverPid: server.pid,
    plan,
    agency: plan.agencies[0]!,
    auth,
    opsAuth: { authorization: `Bearer ${opsToken}` },
    worker,
    async fetchJson (path, init = {}) {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(30_000)
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`)
      return JSON.parse(text) as unknown
    }
  }
}
