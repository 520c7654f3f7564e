// What the background-job scenarios share: run an export through the API (POST,
// then poll its status) while sampling the worker process, and turn per-round
// figures into the report's measurement. Export figures are end to end, from the
// job's creation (queued) to its file stored (finishedAt), by the server's clock.
import os from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { summarise, type LoadSettings, type Measurement, type RoundFigures } from '../load.ts'
import { round, sampleUsage } from '../servers/process.ts'
import type { Target } from './types.ts'

export interface JobStatus {
  id: string
  status: string
  processed: number
  total: number | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  result: { rows?: number, sheets?: number } | null
  error: { code: string, message: string } | null
  download: { size: number } | null
}

const POLL_MS = 50
const EXPORT_LIMIT_MS = 30 * 60_000

/** Counts the API's answers by status, for the report's statusCounts. */
export class Answers {
  readonly counts: Record<string, number> = {}
  add (status: number, n = 1): void {
    this.counts[String(status)] = (this.counts[String(status)] ?? 0) + n
  }
}

export async function queueExport (target: Target, body: Record<string, unknown>, answers: Answers): Promise<JobStatus> {
  const job = await target.fetchJson('/v1/exports', { method: 'POST', body, headers: target.auth }) as JobStatus
  answers.add(202)
  return job
}

export async function jobStatus (target: Target, id: string, answers: Answers): Promise<JobStatus> {
  const job = await target.fetchJson(`/v1/jobs/${id}`, { headers: target.auth }) as JobStatus
  answers.add(200)
  return job
}

/** Polls until the job has finished; throws unless it succeeded. */
export async function finished (target: Target, id: string, answers: Answers): Promise<JobStatus> {
  const deadline = Date.now() + EXPORT_LIMIT_MS
  for (;;) {
    const job = await jobStatus(target, id, answers)
    if (job.status === 'succeeded') return job
    if (job.status !== 'queued' && job.status !== 'running') throw new Error(`job ${id} ended ${job.status}: ${JSON.stringify(job.error)}`)
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${EXPORT_LIMIT_MS / 60_000} minutes`)
    await sleep(POLL_MS)
  }
}

export interface ExportRun { job: JobStatus, rows: number, durationMs: number, rowsPerSecond: number, workerRssPeakMB: number, workerCpuPct: number }

/** One export, queued to stored, with the worker's peak memory and CPU over it. */
export async function timedExport (target: Target, body: Record<string, unknown>, answers: Answers): Promise<ExportRun> {
  const worker = target.worker
  if (worker === null) throw new Error('this scenario needs a worker process')
  const sampler = await sampleUsage(worker.pid())
  const outcome = await finished(target, (await queueExport(target, body, answers)).id, answers).then(
    (job) => ({ job }), (error: unknown) => ({ error }))
  const usage = await sampler.stop()
  if ('error' in outcome) throw outcome.error
  const { job } = outcome
  const durationMs = Date.parse(job.finishedAt!) - Date.parse(job.createdAt)
  const rows = job.result?.rows ?? job.processed
  return { job, rows, durationMs, rowsPerSecond: round(rows / (durationMs / 1000), 1), workerRssPeakMB: usage.rssPeakMB, workerCpuPct: usage.cpuPct }
}

/**
 * Rounds measured by the scenario itself (not autocannon), each giving its figures; the report's
 * measurement is made from them as from autocannon's rounds.
 */
export async function ownRounds (settings: LoadSettings, one: (answers: Answers) => Promise<RoundFigures>, errors = () => 0): Promise<Measurement> {
  const answers = new Answers()
  const rounds: RoundFigures[] = []
  for (let i = 0; i < settings.rounds; i++) rounds.push(await one(answers))
  return summarise(rounds, answers.counts, errors(), { mongoCpuPct: null, loadGeneratorCpuPct: 0, loadAverageBefore: round(os.loadavg()[0]!, 2) })
}

/** An export's round: rows per second, its duration as every latency, the worker's memory and CPU. */
export function exportFigures (run: ExportRun): RoundFigures {
  return { rps: run.rowsPerSecond, p50: run.durationMs, p90: run.durationMs, p99: run.durationMs, max: run.durationMs, cpuPct: run.workerCpuPct, rssPeakMB: run.workerRssPeakMB }
}

/** Nearest-rank percentile of a list of durations. */
export function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0
}
