// The benchmark harness's smoke test: npm run bench -- --quick against this file's own
// databases must finish and write a complete, well-formed report. It asserts the shape of the
// report and that every request was answered, never a speed. It runs one scenario of each
// kind, the harness's every path: a ceiling (its own server, baseline), a cached read and a
// write through autocannon, and a background job measured by the scenario itself with a
// worker process, each in the optimised and the unoptimised configuration (indexes dropped
// and restored). Every scenario's own preparation and requests are tested in scenarios.test.ts.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Value } from 'typebox/value'
import { testContext } from '../helper.ts'
import { BenchReport } from '../../bench/report/contract.ts'
import { SCENARIOS } from '../../bench/scenarios/index.ts'

const root = path.resolve(import.meta.dirname, '..', '..')
const QUICK_LIMIT_MS = 120_000
const SMOKE = ['ceiling-node-http', 'dashboard-cached', 'payments-post', 'job-start']

test('npm run bench -- --quick writes a complete report', async (t) => {
  const context = await testContext(t)
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
    const answered = Object.entries(run.statusCounts).filter(([status]) => status.startsWith('2')).reduce((sum, [, n]) => sum + n, 0)
    t.ok(answered > 0 && run.errors === 0, `${run.scenario}/${run.config}: every request answered 2xx`, { statusCounts: run.statusCounts, errors: run.errors })
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
