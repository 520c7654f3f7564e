// The report's renderers: medians, the ratios to the ceilings, and the scan mark that only
// applies on mongo-java-server.
import { test } from 'tap'
import { median } from '../../bench/load.ts'
import { renderChart } from '../../bench/report/chart.ts'
import type { BenchReport, BenchRun } from '../../bench/report/contract.ts'
import { renderMarkdown } from '../../bench/report/markdown.ts'

function run (scenario: string, config: BenchRun['config'], rps: number, scanDominated = false): BenchRun {
  return {
    scenario, config, connections: 10, durationS: 10, rps,
    latencyMs: { p50: 1, p90: 2, p99: 3, max: 9 }, statusCounts: { 200: 100 }, errors: 0, rssPeakMB: 100, cpuPct: 90,
    extra: { summary: `${scenario} summary`, scanDominated, loadGeneratorCpuPct: 50, mongoCpuPct: null }
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
