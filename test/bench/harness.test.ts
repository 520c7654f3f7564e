// The benchmark harness and its scenarios, on one scale XS dataset of this file's own
// databases (seeded once: the smoke run reuses it).
//  - Every scenario, in this process (Haven with its worker beside the API): prepare() finds
//    its ids and cursors through the API and returns either requests, each answered 2xx when
//    sent once (setupRequest applied, as autocannon does), or a measurement of its own (the
//    background jobs), which runs one round of a second and answers every request 2xx; what
//    it reports after the load (finish) is a set of facts.
//  - The harness's smoke run: npm run bench -- --quick must finish and write a complete,
//    well-formed report. It runs one scenario of each kind, the harness's every path: a
//    ceiling (its own server, baseline), a cached read and a write through autocannon, and a
//    background job measured by the scenario itself with a worker process, each in the
//    optimised and the unoptimised configuration (indexes dropped and restored). It asserts
//    the shape of the report and that no request failed, never a speed.
import t, { type Test } from 'tap'
import type { Request } from 'autocannon'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { MongoClient } from 'mongodb'
import { Value } from 'typebox/value'
import { testContext } from '../helper.ts'
import { migrationPool } from '../../migrations/index.ts'
import { ensureDataset } from '../../scripts/seed/dataset.ts'
import { scalePlan } from '../../scripts/seed/plan.ts'
import { BenchReport } from '../../bench/report/contract.ts'
import { SCENARIOS } from '../../bench/scenarios/index.ts'
import { BENCH_SETTINGS, startCeiling } from '../../bench/servers/haven.ts'
import { startPeer } from '../../bench/servers/peer.ts'
import { datasetMonth } from '../../bench/scenarios/dashboard-cached.ts'
import type { Scenario, Target } from '../../bench/scenarios/types.ts'
import { targetFor } from '../../bench/target.ts'

const root = path.resolve(import.meta.dirname, '..', '..')
const QUICK_LIMIT_MS = 120_000
const SMOKE = ['ceiling-node-http', 'dashboard-cached', 'payments-post', 'job-start']

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
  const response = await fetch(`${baseUrl}${ready.path ?? '/'}`, { method: ready.method ?? 'GET', headers: ready.headers, body: ready.body, signal: AbortSignal.timeout(30_000) })
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
  // Stopped before the smoke run, whose unoptimised configuration drops the indexes.
  t.teardown(() => app.close())

  for (const scenario of SCENARIOS) {
    await t.test(scenario.name, async (t) => {
      const target = await serverFor(t, scenario, haven)
      const load = await scenario.prepare(target)
      if (load.run !== undefined) {
        const measured = await load.run({ connections: 1, durationS: 1, rounds: 1, warmupS: 0 })
        const answered = Object.entries(measured.statusCounts).filter(([status]) => status.startsWith('2')).reduce((sum, [, n]) => sum + n, 0)
        t.ok(answered > 0 && measured.errors === 0, 'one round of its own measurement: every request answered 2xx', { statusCounts: measured.statusCounts })
        t.ok(measured.rps > 0 && measured.rounds.length === 1, `${measured.rps} per second`)
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

await t.test('npm run bench -- --quick writes a complete report', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'haven-bench-'))
  t.teardown(() => rm(out, { recursive: true, force: true }))
  const database = new URL(context.env.MONGODB_URL!).pathname.slice(1)

  const child = spawn(process.execPath, [path.join(root, 'bench', 'run.ts'), ...SMOKE, '--quick', '--database', database, '--out', out], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      MONGODB_URL: context.env.MONGODB_URL,
      DATABASE_URL: context.env.DATABASE_URL,
      REDIS_URL: context.env.REDIS_URL,
      REDIS_KEY_PREFIX: context.env.REDIS_KEY_PREFIX
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const killer = setTimeout(() => child.kill('SIGINT'), QUICK_LIMIT_MS)
  const code = await new Promise((resolve) => child.on('exit', resolve))
  clearTimeout(killer)
  t.equal(code, 0, 'the harness exits 0', { output })
  if (code !== 0) return

  const report = JSON.parse(await readFile(path.join(out, 'latest.json'), 'utf8')) as BenchReport
  t.ok(Value.Check(BenchReport, report), 'latest.json follows the contract', { errors: [...Value.Errors(BenchReport, report)].slice(0, 5) })
  t.match(report.mongodb.server, /^(mongo-java-server|MongoDB)$/, 'names the MongoDB server')
  t.equal(report.scale, 'XS')

  const scenarios = SCENARIOS.filter((s) => SMOKE.includes(s.name))
  t.same(scenarios.map((s) => s.server === 'haven' ? (s.worker === true ? 'job' : 'haven') : 'ceiling').sort(), ['ceiling', 'haven', 'haven', 'job'], 'one ceiling, two requests through autocannon, one background job')
  const expected = scenarios.flatMap((s) => s.server === 'haven'
    ? [`${s.name}/optimised`, `${s.name}/unoptimised`]
    : [`${s.name}/baseline`])
  t.same(report.runs.map((run) => `${run.scenario}/${run.config}`).sort(), expected.sort(), 'one run per scenario and configuration')
  for (const run of report.runs) {
    const statuses = Object.entries(run.statusCounts)
    const answered = statuses.filter(([status]) => status.startsWith('2')).reduce((sum, [, n]) => sum + n, 0)
    t.ok(run.extra.notRun === undefined && run.errors === 0 && statuses.every(([status]) => status.startsWith('2')), `${run.scenario}/${run.config}: prepared, and no request failed`,
      { statusCounts: run.statusCounts, errors: run.errors, notRun: run.extra.notRun })
    // The unoptimised baseline scans by design: on a busy machine a one-second round can end
    // before its first answer (its prepare() did get answers).
    if (run.config !== 'unoptimised') t.ok(answered > 0, `${run.scenario}/${run.config}: answered 2xx`, { statusCounts: run.statusCounts })
    t.ok(run.rssPeakMB > 0, `${run.scenario}/${run.config}: the server's memory was sampled`)
    t.ok(Array.isArray(run.extra.perRound) && run.extra.perRound.length === 2, `${run.scenario}/${run.config}: two rounds`)
  }

  const markdown = await readFile(path.join(out, 'latest.md'), 'utf8')
  for (const run of report.runs) t.match(markdown, `| ${run.scenario}`, `latest.md has ${run.scenario}`)
  const chart = await readFile(path.join(out, 'latest.html'), 'utf8')
  t.match(chart, /<svg[\s\S]*<rect/, 'latest.html holds a bar chart')
  const dated = (await readdir(out)).filter((name) => /^\d{4}-\d\d-\d\dT/.test(name))
  t.equal(dated.length, 1, 'a dated copy')
  for (const name of ['report.json', 'report.md', 'report.html']) t.ok(existsSync(path.join(out, dated[0]!, name)), `dated ${name}`)
})
