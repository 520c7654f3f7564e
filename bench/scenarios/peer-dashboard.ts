// The same cached dashboard body as dashboard-cached, served by the conventional stack
// (bench/servers/express-peer.ts: Express 5, jsonwebtoken, express-rate-limit on Redis,
// prom-client, helmet), so the report shows Haven's pipeline beside the usual one.
import { datasetMonth } from './dashboard-cached.ts'
import type { Scenario } from './types.ts'

export const peerDashboard: Scenario = {
  name: 'peer-dashboard',
  summary: 'GET /v1/dashboard on Express 5 + jsonwebtoken + express-rate-limit (Redis) + prom-client + helmet, Haven\'s cached body',
  server: 'peer-express',
  scanDominated: false,
  async prepare (target) {
    const path = `/v1/dashboard?period=${datasetMonth(target)}`
    await target.fetchJson(path, { headers: target.auth })
    return { requests: [{ method: 'GET', path, headers: target.auth }], extra: { path } }
  }
}
