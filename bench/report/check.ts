// npm run bench -- --check (CI): is the report complete and did the harness work? Its contract
// holds, every scenario asked for ran in each of its configurations, was prepared, and had every
// request answered 2xx. Speeds are not judged: they depend on the machine and on what else runs on it.
import { Value } from 'typebox/value'
import { BenchReport, type BenchRun } from './contract.ts'
import type { Scenario } from '../scenarios/types.ts'

/** The configurations a scenario runs in: Haven's (given), or its own server's baseline. */
export function expectedRuns (scenarios: Scenario[], havenConfigs: Array<BenchRun['config']>): string[] {
  return scenarios.flatMap((s) => s.server === 'haven' ? havenConfigs.map((config) => `${s.name}/${config}`) : [`${s.name}/baseline`])
}

/** What is wrong with the report; empty when nothing is. */
export function reportProblems (report: unknown, expected: string[], rounds: number): string[] {
  if (!Value.Check(BenchReport, report)) {
    return [...Value.Errors(BenchReport, report)].slice(0, 5).map((error) => `the report breaks its contract at ${error.instancePath || '/'}: ${error.message}`)
  }
  const problems: string[] = []
  const ran = report.runs.map((run) => `${run.scenario}/${run.config}`)
  for (const missing of expected.filter((name) => !ran.includes(name))) problems.push(`${missing}: no run`)
  for (const run of report.runs) {
    const name = `${run.scenario}/${run.config}`
    if (run.extra.notRun !== undefined) problems.push(`${name}: not prepared (${String(run.extra.notRun)})`)
    const failed = Object.keys(run.statusCounts).filter((status) => !status.startsWith('2'))
    if (run.errors > 0 || failed.length > 0) problems.push(`${name}: ${run.errors} request(s) not answered 2xx (${JSON.stringify(run.statusCounts)})`)
    if (run.extra.notRun !== undefined) continue
    const perRound = run.extra.perRound
    if (!Array.isArray(perRound) || perRound.length !== rounds) problems.push(`${name}: ${Array.isArray(perRound) ? perRound.length : 'no'} round(s) of ${rounds}`)
    if (!(run.rssPeakMB > 0)) problems.push(`${name}: the server's memory was not sampled`)
  }
  return problems
}
