// The report: its renderers (medians, the ratios to the ceilings, the scan mark that only
// applies on mongo-java-server), the files it is written to, and the check CI runs on a
// real one (npm run bench -- --quick --check in .ci/run).
import { test } from 'tap'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Value } from 'typebox/value'
import { median } from '../../bench/load.ts'
import { renderChart } from '../../bench/report/chart.ts'
import { expectedRuns, reportProblems } from '../../bench/report/check.ts'
import { BenchReport, type BenchRun } from '../../bench/report/contract.ts'
import { renderMarkdown } from '../../bench/report/markdown.ts'
import { writeReport } from '../../bench/report/write.ts'
import { SCENARIOS } from '../../bench/scenarios/index.ts'

function run (scenario: string, config: BenchRun['config'], rps: number, scanDominated = false): BenchRun {
  return {
    scenario, config, connections: 10, durationS: 10, rps,
    latencyMs: { p50: 1, p90: 2, p99: 3, max: 9 }, statusCounts: { 200: 100 }, errors: 0, rssPeakMB: 100, cpuPct: 90,
    extra: { summary: `${scenario} summary`, scanDominated, loadGeneratorCpuPct: 50, mongoCpuPct: null, perRound: [{ rps }, { rps }, { rps }] }
  }
}

const report = (server: string): BenchReport => ({
  createdAt: '2026-01-01T00:00:00.000Z', commit: 'abc', node: 'v24.0.0', mongodb: { server, version: '5.0.0' }, scale: 'S',
  runs: [run('ceiling-node-http', 'baseline', 40_000), run('ceiling-fastify', 'baseline', 20_000),
    run('properties-list', 'optimised', 1_000, true), run('agency-get', 'optimised', 2_000), run('properties-list', 'unoptimised', 500, true)]
})
const context = { machine: 'test machine', rounds: 3, warmupS: 3 }

test('median of odd and even counts', async (t) => {
  t.equal(median([3, 1, 2]), 2)
  t.equal(median([4, 1, 3, 2]), 2.5)
})

test('the table gives each run as a share of both ceilings', async (t) => {
  const markdown = renderMarkdown(report('mongo-java-server'), { ...context, localMongo: true })
  t.match(markdown, '| agency-get | optimised | 2,000 | 5.0 % | 10.0 % |')
  t.match(markdown, '| properties-list † | optimised | 1,000 | 2.5 % | 5.0 % |')
  t.match(markdown, 'never uses a secondary index', 'the scan note is there on the local server')
  t.match(markdown, 'MongoDB CPU not measured')
})

test('on MongoDB no figure is marked as a scan', async (t) => {
  const markdown = renderMarkdown(report('MongoDB'), { ...context, localMongo: false })
  t.notMatch(markdown, '†')
  t.notMatch(markdown, 'never uses a secondary index')
})

test('the chart puts a scenario\'s configurations side by side', async (t) => {
  const html = renderChart(report('mongo-java-server'), '', true)
  const labels = [...html.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => m[1]).slice(0, 5)
  t.same(labels, ['ceiling-node-http · baseline', 'ceiling-fastify · baseline', 'properties-list † · optimised', 'properties-list † · unoptimised', 'agency-get · optimised'])
})

test('a report is written as JSON that follows the contract, a table, a chart, and a dated copy', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'haven-bench-'))
  t.teardown(() => rm(out, { recursive: true, force: true }))
  const written = report('mongo-java-server')
  await writeReport(written, { ...context, localMongo: true }, out, false)
  const json = JSON.parse(await readFile(path.join(out, 'latest.json'), 'utf8')) as unknown
  t.ok(Value.Check(BenchReport, json), 'latest.json follows the contract', { errors: [...Value.Errors(BenchReport, json)].slice(0, 5) })
  t.same(json, written, 'and holds the report')
  const markdown = await readFile(path.join(out, 'latest.md'), 'utf8')
  for (const run of written.runs) t.match(markdown, `| ${run.scenario}`, `latest.md has ${run.scenario}`)
  t.match(await readFile(path.join(out, 'latest.html'), 'utf8'), /<svg[\s\S]*<rect/, 'latest.html holds a bar chart')
  const dated = (await readdir(out)).filter((name) => /^\d{4}-\d\d-\d\dT/.test(name))
  t.same(dated, ['2026-01-01T00-00-00Z'], 'a dated copy, named by the report\'s time')
  for (const name of ['report.json', 'report.md', 'report.html']) t.ok(existsSync(path.join(out, dated[0]!, name)), `dated ${name}`)
})

test('the check CI runs: a complete report where every request was answered 2xx passes, anything less is named', async (t) => {
  const scenarios = SCENARIOS.filter((s) => ['ceiling-node-http', 'properties-list'].includes(s.name))
  const expected = expectedRuns(scenarios, ['optimised', 'unoptimised'])
  t.same(expected, ['ceiling-node-http/baseline', 'properties-list/optimised', 'properties-list/unoptimised'], 'a ceiling runs as a baseline, Haven\'s scenarios in each configuration')
  const good = { ...report('mongo-java-server'), runs: [run('ceiling-node-http', 'baseline', 1), run('properties-list', 'optimised', 1), run('properties-list', 'unoptimised', 0)] }
  t.same(reportProblems(good, expected, 3), [], 'complete: no problem, whatever the speeds')

  const failing = structuredClone(good)
  failing.runs[1]!.statusCounts = { 200: 90, 503: 10 }
  failing.runs[1]!.errors = 10
  failing.runs[2]!.extra = { notRun: 'prepare() timed out' }
  failing.runs.shift()
  t.same(reportProblems(failing, expected, 3), [
    'ceiling-node-http/baseline: no run',
    'properties-list/optimised: 10 request(s) not answered 2xx ({"200":90,"503":10})',
    'properties-list/unoptimised: not prepared (prepare() timed out)'
  ])
  t.same(reportProblems({ ...good, runs: [{ ...good.runs[0], extra: { perRound: [] } }] }, ['ceiling-node-http/baseline'], 3), ['ceiling-node-http/baseline: 0 round(s) of 3'])
  t.match(reportProblems({ ...good, scale: undefined }, expected, 3), [/breaks its contract/])
})
