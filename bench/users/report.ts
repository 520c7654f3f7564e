// The users run's report: report.json (everything measured) and report.md (the tables the
// README quotes), in bench/results/users-<time>/ and as bench/results/users-latest.*.
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { MemoryFigures } from './memory.ts'
import type { CapacityReport, PhaseReport, SpikeReport } from './phases.ts'
import { BOUNDS_MS, type TypeFigures } from './stats.ts'
import { REQUEST_TYPES, type RequestType } from './workload.ts'

export interface UsersReport {
  createdAt: string
  commit: string
  node: string
  mongodb: { server: string, version: string }
  scale: string
  machine: string
  /** where the load went: one API process, or a load balancer in front of several */
  target: string
  thinkTimeS: number
  /** the export resource, or null when the server had no export routes (the step was off) */
  exports: string | null
  /** false: run with --no-scans (no † list pages) */
  scans?: boolean
  accounts: number
  login: Partial<Record<RequestType, TypeFigures>>
  idleMemory: MemoryFigures[]
  phases: PhaseReport[]
  memoryBefore?: { idle: MemoryFigures[], phase: PhaseReport }
  capacity?: CapacityReport
  spike?: SpikeReport
}

const SCAN = '†'

function typeTable (byType: Partial<Record<RequestType, TypeFigures>>): string[] {
  const lines = ['| request | kind | sent | ok | 503 shed | 429 | errors | p50 ms | p90 ms | p99 ms | max ms |', '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|']
  for (const [type, f] of Object.entries(byType) as Array<[RequestType, TypeFigures]>) {
    const kind = REQUEST_TYPES[type]
    lines.push(`| ${type}${kind.scan ? ` ${SCAN}` : ''} | ${kind.kind} | ${f.sent} | ${f.ok} | ${f.shed} | ${f.limited} | ${f.errors} | ${f.p50} | ${f.p90} | ${f.p99} | ${f.max} |`)
  }
  return lines
}

function memoryTable (rows: Array<{ when: string, figures: MemoryFigures[] }>): string[] {
  const lines = ['| when | process | RSS peak MB | RSS end MB | V8 heap used peak MB | V8 heap total peak MB | new space peak MB | loop delay peak ms | loop utilisation peak | alive |', '|---|---|--:|--:|--:|--:|--:|--:|--:|---|']
  const n = (value: number | null) => value === null ? '–' : String(value)
  for (const { when, figures } of rows) {
    for (const f of figures) lines.push(`| ${when} | ${f.name} | ${f.rssPeakMB} | ${f.rssEndMB} | ${n(f.heapUsedPeakMB)} | ${n(f.heapTotalPeakMB)} | ${n(f.newSpacePeakMB)} | ${n(f.eventLoopDelayPeakMs)} | ${n(f.eventLoopUtilizationPeak)} | ${f.alive ? 'yes' : 'NO'} |`)
  }
  return lines
}

function scanNote (phase: PhaseReport): string {
  const entries = Object.entries(phase.byType) as Array<[RequestType, TypeFigures]>
  const all = entries.reduce((sum, [, f]) => sum + f.sent, 0)
  const scans = entries.filter(([type]) => REQUEST_TYPES[type].scan).reduce((sum, [, f]) => sum + f.sent, 0)
  return `${SCAN} ${scans} of ${all} requests (${all === 0 ? 0 : ((scans / all) * 100).toFixed(1)} %) are list pages that the local mongo-java-server answers by scanning ` +
    'the whole collection (it never uses a secondary index); the bounds are checked without them. On MongoDB the compound index that ' +
    'starts with agencyId (and the list\'s sort field, declared in migrations/mongo) serves each page as a bounded index scan of limit + 1 keys.'
}

export function renderUsers (report: UsersReport): string {
  const out = [
    `Scale ${report.scale} · ${report.target} · think time ${report.thinkTimeS} s · exports ${report.exports === null ? 'off (the server has no export routes)' : `on (${report.exports})`}${report.scans === false ? ` · --no-scans: no ${SCAN} list pages` : ''} · ` +
      `${report.accounts} accounts · ${report.mongodb.server} ${report.mongodb.version} · Node.js ${report.node} · commit ${report.commit.slice(0, 12)} · ${report.createdAt}`,
    `Machine: ${report.machine}; vegeta, Haven and the databases share its cores. Bounds: p99 ≤ ${BOUNDS_MS.read} ms for reads, ≤ ${BOUNDS_MS.write} ms for writes (without ${SCAN}).`,
    ''
  ]
  for (const phase of report.phases) {
    out.push(`### ${phase.name}: ${phase.users} users, ${phase.rate.toFixed(1)} requests/s, ${phase.durationS} s`, '')
    out.push(...typeTable(phase.byType), '')
    out.push(`Reads p99 ${phase.verdict.readP99} ms, writes p99 ${phase.verdict.writeP99} ms, ${phase.verdict.unplannedErrors} errors: ${phase.verdict.withinBounds ? 'within the bounds' : '**outside the bounds**'}.`, '')
    out.push(scanNote(phase), '')
  }
  if (report.capacity !== undefined) {
    out.push(`### Capacity: ${report.capacity.reachedLimit ? 'at least ' : ''}${report.capacity.capacity} users${report.capacity.reachedLimit ? ' (no step left the bounds; raise --capacity-to)' : ''}`, '', '| users | reads p99 ms | writes p99 ms | errors | within bounds |', '|--:|--:|--:|--:|---|')
    for (const step of report.capacity.steps) out.push(`| ${step.users} | ${step.verdict.readP99} | ${step.verdict.writeP99} | ${step.verdict.unplannedErrors} | ${step.verdict.withinBounds ? 'yes' : 'no'} |`)
    out.push('')
  }
  if (report.spike !== undefined) {
    const s = report.spike
    out.push(`### Spike: ${s.baseUsers} → ${s.spikeUsers} users for ${s.spikeS} s (+ one client at ${s.greedyRate} requests/s): ${s.passed ? 'passed' : '**failed**'}`, '')
    for (const [name, segment] of Object.entries(s.segments)) {
      const title = { before: `before (${s.beforeS} s)`, spike: 'spike (admitted p99 bound 1 s)', after: `after (${s.afterS} s)`, recovered: 'from 5 s after the spike' }[name]
      out.push(`${title}: reads p99 ${segment.verdict.readP99} ms, writes p99 ${segment.verdict.writeP99} ms, ${segment.verdict.unplannedErrors} unplanned errors`, '')
      if (name === 'spike') out.push(...typeTable(segment.byType), '')
    }
    out.push(`Back within the bounds ${s.recoveredAfterS ?? '?'} s after the spike ended (every later second's p99 within them, nothing shed).`, '')
  }
  out.push('### Memory', '')
  const rows = [{ when: 'idle', figures: report.idleMemory }, ...report.phases.map((p) => ({ when: `${p.name} (${p.users} users)`, figures: p.memory }))]
  if (report.spike !== undefined) rows.push({ when: `spike (${report.spike.spikeUsers} users)`, figures: report.spike.memory })
  if (report.memoryBefore !== undefined) {
    rows.unshift({ when: 'before: idle', figures: report.memoryBefore.idle }, { when: `${report.memoryBefore.phase.name} (${report.memoryBefore.phase.users} users)`, figures: report.memoryBefore.phase.memory })
  }
  out.push(...memoryTable(rows), '')
  if (report.memoryBefore !== undefined) out.push('"before": the same build with Node.js\'s default heap limits, as before issue 12; the rest: as `npm start` runs it.', '')
  return `${out.join('\n')}\n`
}

export async function writeUsersReport (report: UsersReport, outDir: string): Promise<{ json: string, markdown: string }> {
  const dir = path.join(outDir, `users-${report.createdAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}`)
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`)
  await writeFile(path.join(dir, 'report.md'), renderUsers(report))
  const latest = { json: path.join(outDir, 'users-latest.json'), markdown: path.join(outDir, 'users-latest.md') }
  await copyFile(path.join(dir, 'report.json'), latest.json)
  await copyFile(path.join(dir, 'report.md'), latest.markdown)
  return latest
}
