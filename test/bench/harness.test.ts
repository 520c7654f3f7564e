// The benchmark harness's scenarios, on one scale XS dataset of this file's own databases,
// each against the server it is measured on (Haven with its worker beside the API, in this
// process; a ceiling or the peer as their own processes): prepare() finds its ids and cursors
// through the API and returns either requests, each answered 2xx when sent once
// (setupRequest applied, as autocannon does), or a measurement of its own (the background
// jobs), which runs one round and answers every request 2xx; what it reports after the load
// (finish) is a set of facts. Nothing here depends on how fast the machine is: the harness
// run end to end (npm run bench -- --quick --check, whose rounds are timed) is a step of CI
// of its own (.ci/run), and the report it writes is checked in report.test.ts.
import t, { type Test } from 'tap'
import type { Request } from 'autocannon'
import { MongoClient } from 'mongodb'
import { testContext } from '../helper.ts'
import { migrationPool } from '../../migrations/index.ts'
import { ensureDataset } from '../../scripts/seed/dataset.ts'
import { scalePlan } from '../../scripts/seed/plan.ts'
import { SCENARIOS } from '../../bench/scenarios/index.ts'
import { BENCH_SETTINGS, startCeiling } from '../../bench/servers/haven.ts'
import { startPeer } from '../../bench/servers/peer.ts'
import { datasetMonth } from '../../bench/scenarios/dashboard-cached.ts'
import type { Scenario, Target } from '../../bench/scenarios/types.ts'
import { targetFor } from '../../bench/target.ts'
import { PATIENCE_MS } from '../support/wait-for.ts'

const context = await testContext(t)
const plan = scalePlan('XS', 1)
{
  const client = new MongoClient(context.env.MONGODB_URL!)
  const pool = migrationPool(context.env.DATABASE_URL!)
  try {
    await ensureDataset(client.db(), pool, plan)
  } finally {
    await Promise.all([client.close(), pool.end()])
  }
}

async function sendOnce (baseUrl: string, request: Request): Promise<number> {
  const ready = request.setupRequest === undefined ? request : request.setupRequest({ ...request }, {})
  const response = await fetch(`${baseUrl}${ready.path ?? '/'}`, { method: ready.method ?? 'GET', headers: ready.headers, body: ready.body, signal: AbortSignal.timeout(PATIENCE_MS) })
  await response.arrayBuffer()
  return response.status
}

/** Haven, or the scenario's own server: a ceiling, or the peer serving the body Haven serves. */
async function serverFor (t: Test, scenario: Scenario, haven: Target): Promise<Target> {
  if (scenario.server === 'haven') return haven
  if (scenario.server === 'peer-express') {
    const response = await fetch(`${haven.baseUrl}/v1/dashboard?period=${datasetMonth(haven)}`, { headers: haven.auth })
    const peer = await startPeer(plan, context.env as { REDIS_URL: string }, context.env.REDIS_KEY_PREFIX ?? '', await response.text())
    t.teardown(() => peer.stop())
    return targetFor(peer, plan, peer.auth)
  }
  const ceiling = await startCeiling(scenario.server === 'ceiling-node-http' ? 'ceiling-node-http.ts' : 'ceiling-fastify.ts')
  t.teardown(() => ceiling.stop())
  return targetFor(ceiling, plan, {})
}

await t.test('every scenario prepares a load its server answers', async (t) => {
  // Haven as the bench starts it, but in this process and with its worker beside the API.
  const { NODE_ENV: _, LOG_LEVEL: __, ...settings } = BENCH_SETTINGS
  const app = await context.build({ env: { ...settings, HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200' } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const server = { baseUrl: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, pid: process.pid }
  const tokens = await targetFor(server, plan, {}).fetchJson('/v1/auth/login', { method: 'POST', body: { email: plan.agencies[0]!.ownerEmail, password: plan.password } }) as { accessToken: string }
  const worker = { pid: () => process.pid, restart: async () => undefined }
  const haven = targetFor(server, plan, { authorization: `Bearer ${tokens.accessToken}` }, app.config.OPS_TOKEN, worker)
  t.teardown(() => app.close())

  for (const scenario of SCENARIOS) {
    await t.test(scenario.name, async (t) => {
      const target = await serverFor(t, scenario, haven)
      const load = await scenario.prepare(target)
      if (load.run !== undefined) {
        const measured = await load.run({ connections: 1, durationS: 1, rounds: 1, warmupS: 0 })
        const answered = Object.entries(measured.statusCounts).filter(([status]) => status.startsWith('2')).reduce((sum, [, n]) => sum + n, 0)
        t.ok(answered > 0 && measured.errors === 0, 'one round of its own measurement: every request answered 2xx', { statusCounts: measured.statusCounts })
        t.equal(measured.rounds.length, 1, 'one round measured')
      } else {
        t.ok(load.requests.length > 0, `${load.requests.length} request(s) per connection`)
        for (const request of load.requests) {
          const status = await sendOnce(target.baseUrl, request)
          t.ok(status >= 200 && status < 300, `${request.method ?? 'GET'} ${request.path ?? '(set per request)'}: ${status}`)
        }
      }
      if (load.finish !== undefined) t.type(await load.finish(), 'object', 'its facts after the load')
    })
  }
})
