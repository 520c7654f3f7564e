// The Markdown table beside the JSON report (latest.md), also pasted into the README.
import type { BenchReport, BenchRun } from './contract.ts'

export interface ReportContext {
  /** e.g. "2 × AMD EPYC …, 23 GiB" */
  machine: string
  rounds: number
  warmupS: number
  /** the MongoDB server is mongo-java-server: scans do not behave like MongoDB */
  localMongo: boolean
}

const SCAN_MARK = '†'

function ceilingRps (report: BenchReport, scenario: string): number | undefined {
  return report.runs.find((run) => run.scenario === scenario)?.rps
}

function share (rps: number, ceiling: number | undefined): string {
  return ceiling === undefined || ceiling === 0 ? '–' : `${((rps / ceiling) * 100).toFixed(1)} %`
}

// autocannon measures latency in whole milliseconds; medians of two rounds may end in .5.
const ms = (value: number) => String(Math.round(value * 10) / 10)

export function isScanDominated (run: BenchRun): boolean {
  return run.extra.scanDominated === true
}

const list = (value: unknown) => Array.isArray(value) ? value.join(' / ') : String(value)

/** The background-job scenarios' own figures (rows, memory peaks, p99 without an export, start latency). */
function backgroundFacts (extra: Record<string, unknown>): string[] {
  const facts: string[] = []
  if (typeof extra.targetRowsPerSecond === 'number') facts.push(`${String(extra.rows)} rows an export (req/s column: rows/s; target ${extra.targetRowsPerSecond.toLocaleString('en-US')})`)
  if (extra.peakRatio !== undefined) {
    facts.push(`worker peak RSS ${list(extra.allPeakMB)} MB for ${String(extra.allRows)} rows vs ${list(extra.tenthPeakMB)} MB for ${String(extra.tenthRows)} rows: ratio ${list(extra.peakRatio)} (target ≤ ${String(extra.targetPeakRatio)})`)
  }
  if (extra.p99WithoutExport !== undefined) facts.push(`p99 without an export ${list(extra.p99WithoutExport)} ms (target: with ≤ ${String(extra.targetP99Ratio)} × without), export overlap ${list(extra.exportOverlap)}`)
  if (typeof extra.p50AllMs === 'number') facts.push(`start latency p50 ${extra.p50AllMs} ms over ${(extra.startLatenciesMs as unknown[]).length} jobs (target ≤ ${String(extra.targetP50Ms)} ms)`)
  return facts
}

const percent = (value: unknown) => typeof value === 'number' ? `${value.toFixed(0)} %` : 'not measured'

function describeRun (run: BenchRun): string {
  const { extra } = run
  if (typeof extra.notRun === 'string') return `**${run.scenario}** (${run.config}): ${String(extra.summary ?? '')}; not run: ${extra.notRun}.`
  const facts = [
    typeof extra.hitRate === 'number' ? `cache hit rate ${(extra.hitRate * 100).toFixed(1)} % over ${String(extra.cacheReads)} reads, ${String(extra.payments)} payments` : undefined,
    typeof extra.page === 'number' ? `page ${extra.page} reached (${String(extra.itemsBefore)} items before it)` : undefined,
    typeof extra.city === 'string' ? `city ${extra.city}, ${String(extra.items)} items on the page` : undefined,
    typeof extra.bodyBytes === 'number' ? `${String(extra.items)} items, ${extra.bodyBytes.toLocaleString('en-US')} bytes a response as sent (${String(extra.encoding)}; ${String(extra.uncompressedBytes)} uncompressed, ${String(extra.shrinkFactor)}× smaller), ${(Number(extra.bodyBytes) * run.rps / 1024).toFixed(0)} KiB/s, compressing it ${String(extra.compressMs)} ms` : undefined,
    typeof extra.scrapeBytes === 'number' ? `/metrics after the load ${(extra.scrapeBytes / 1024).toFixed(1)} KB, ${String(extra.scrapeSeries)} series` : undefined,
    ...backgroundFacts(extra),
    `load generator CPU ${percent(extra.loadGeneratorCpuPct)}`,
    `MongoDB CPU ${percent(extra.mongoCpuPct)}`,
    typeof extra.loadAverageBefore === 'number' ? `load average ${extra.loadAverageBefore} before` : undefined
  ].filter((fact) => fact !== undefined)
  return `**${run.scenario}** (${run.config}): ${String(extra.summary ?? '')}; ${facts.join(', ')}.`
}

export function renderMarkdown (report: BenchReport, context: ReportContext): string {
  const nodeHttp = ceilingRps(report, 'ceiling-node-http')
  const fastify = ceilingRps(report, 'ceiling-fastify')
  const first = report.runs[0]
  const lines = [
    `Scale ${report.scale} · ${first === undefined ? 'no runs' : `${first.connections} connections · ${context.rounds} rounds of ${first.durationS} s after ${context.warmupS} s warm-up`} · ` +
      `${report.mongodb.server} ${report.mongodb.version} · Node.js ${report.node} · commit ${report.commit.slice(0, 12)} · ${report.createdAt}`,
    `Machine: ${context.machine}; the load generator, Haven and the databases share its cores.`,
    '',
    '| scenario | config | req/s | % of node:http | % of Fastify | p50 ms | p90 ms | p99 ms | max ms | errors | RSS MB | CPU % |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|'
  ]
  for (const run of report.runs) {
    const mark = context.localMongo && isScanDominated(run) ? ` ${SCAN_MARK}` : ''
    lines.push(`| ${run.scenario}${mark} | ${run.config} | ${Math.round(run.rps).toLocaleString('en-US')} | ${share(run.rps, nodeHttp)} | ${share(run.rps, fastify)} | ` +
      `${ms(run.latencyMs.p50)} | ${ms(run.latencyMs.p90)} | ${ms(run.latencyMs.p99)} | ${ms(run.latencyMs.max)} | ${run.errors} | ${run.rssPeakMB.toFixed(0)} | ${run.cpuPct.toFixed(0)} |`)
  }
  lines.push('')
  lines.push('Figures are medians over the rounds (errors: sums; latency in whole milliseconds, as autocannon measures it). ' +
    'The ceilings ran in the same run on the same machine, so the "% of" columns are the robust figures; absolute req/s move ' +
    'with whatever else the machine does. CPU % is the server process\'s (100 = one core); what the load generator and ' +
    'MongoDB used beside it is listed per run below.')
  lines.push('')
  for (const run of report.runs) lines.push(`- ${describeRun(run)}`)
  if (context.localMongo && report.runs.some(isScanDominated)) {
    lines.push('')
    lines.push(`${SCAN_MARK} ${report.mongodb.server} never uses a secondary index: it answers this request with a scan of the ` +
      'collection, in both configurations. Only `_id` and unique-key lookups behave like MongoDB on it, so this figure (and the ' +
      'optimised/unoptimised ratio) says little about MongoDB, where a compound index serves the request.')
  }
  return `${lines.join('\n')}\n`
}
