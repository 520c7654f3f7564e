// Job counts, durations and failures per task, from graphile-worker's events
// (the performance report reads them back per minute), and the queue's depth and
// ages read from its jobs view when Prometheus scrapes.
import type { EventEmitter } from 'node:events'
import type { Pool } from 'pg'
import type { Registry } from '@platformatic/prom-client'
import { promClient } from '../../external/metrics.ts'
import type { WorkerEvents } from 'graphile-worker'
import { LATENCY_BUCKETS } from '../../external/metrics.ts'

// Ages in seconds, 0 when no job is in that state: what the "stuck" and "queued
// too long" alerts watch, from graphile-worker's own table.
const QUEUE_DEPTH_SQL = `
  SELECT count(*) FILTER (WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts) AS ready,
         count(*) FILTER (WHERE locked_at IS NULL AND run_at > now() AND attempts < max_attempts) AS scheduled,
         count(*) FILTER (WHERE locked_at IS NOT NULL) AS running,
         count(*) FILTER (WHERE attempts >= max_attempts) AS failed,
         coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts)), 0) AS oldest_ready_s,
         coalesce(extract(epoch FROM now() - min(locked_at) FILTER (WHERE locked_at IS NOT NULL)), 0) AS longest_running_s
    FROM graphile_worker.jobs`
const STATES = ['ready', 'scheduled', 'running', 'failed'] as const
type QueueRow = Record<typeof STATES[number] | 'oldest_ready_s' | 'longest_running_s', string>
/** one query serves every gauge of a scrape */
const SAMPLE_FOR_MS = 1_000

/** Job run-time buckets in seconds: the API's latency buckets, then minutes for long exports. */
export const JOB_DURATION_BUCKETS = [...LATENCY_BUCKETS, 60, 300, 900]

export function recordJobMetrics (events: WorkerEvents, registry: Registry): void {
  const duration = new promClient.Histogram({
    name: 'haven_job_duration_seconds',
    help: 'Job run time by task and outcome (success, error)',
    labelNames: ['task', 'outcome'] as const,
    buckets: JOB_DURATION_BUCKETS,
    registers: [registry]
  })
  const permanentFailures = new promClient.Counter({
    name: 'haven_job_permanent_failures_total',
    help: 'Jobs that used up their attempts, by task',
    labelNames: ['task'] as const,
    registers: [registry]
  })

  const started = new Map<string, number>()
  const emitter = events as unknown as EventEmitter
  emitter.on('job:start', ({ job }: { job: { id: string } }) => started.set(job.id, performance.now()))
  emitter.on('job:complete', ({ job, error }: { job: { id: string, task_identifier: string }, error: unknown }) => {
    const since = started.get(job.id)
    started.delete(job.id)
    if (since === undefined) return
    duration.observe({ task: job.task_identifier, outcome: error === undefined || error === null ? 'success' : 'error' }, (performance.now() - since) / 1000)
  })
  emitter.on('job:failed', ({ job }: { job: { task_identifier: string } }) => permanentFailures.inc({ task: job.task_identifier }))
}

export function recordQueueDepth (pool: Pool, registry: Registry): void {
  let sample: { at: number, row: Promise<QueueRow | undefined> } | undefined
  const queue = async () => {
    if (sample === undefined || performance.now() - sample.at > SAMPLE_FOR_MS) {
      // PostgreSQL unreachable: the scrape still answers (haven_dependency_up tells why), these gauges keep their last values.
      sample = { at: performance.now(), row: pool.query<QueueRow>(QUEUE_DEPTH_SQL).then(({ rows }) => rows[0], () => undefined) }
    }
    return await sample.row
  }
  new promClient.Gauge({
    name: 'haven_job_queue_depth',
    help: 'Jobs in the queue by state (ready, scheduled, running, failed)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect () {
      const row = await queue()
      if (row === undefined) return
      for (const state of STATES) this.set({ state }, Number(row[state]))
    }
  })
  const ages = [
    ['haven_job_oldest_ready_age_seconds', 'How long the oldest job that could run has waited for a worker (0: none waiting)', 'oldest_ready_s'],
    ['haven_job_longest_running_seconds', 'How long the job locked longest ago has been running (0: none running)', 'longest_running_s']
  ] as const
  for (const [name, help, column] of ages) {
    new promClient.Gauge({
      name,
      help,
      registers: [registry],
      async collect () {
        const row = await queue()
        if (row !== undefined) this.set(Number(row[column]))
      }
    })
  }
}
