// Job counts, durations and failures per task, from graphile-worker's events,
// and the queue depth read from its jobs view when Prometheus scrapes.
import type { EventEmitter } from 'node:events'
import type { Pool } from 'pg'
import type { Registry } from '@platformatic/prom-client'
import { promClient } from '../../external/metrics.ts'
import type { WorkerEvents } from 'graphile-worker'
import { LATENCY_BUCKETS } from '../../external/metrics.ts'

const QUEUE_DEPTH_SQL = `
  SELECT count(*) FILTER (WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts) AS ready,
         count(*) FILTER (WHERE locked_at IS NULL AND run_at > now() AND attempts < max_attempts) AS scheduled,
         count(*) FILTER (WHERE locked_at IS NOT NULL) AS running,
         count(*) FILTER (WHERE attempts >= max_attempts) AS failed
    FROM graphile_worker.jobs`

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
  new promClient.Gauge({
    name: 'haven_job_queue_depth',
    help: 'Jobs in the queue by state (ready, scheduled, running, failed)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect () {
      const { rows } = await pool.query<Record<'ready' | 'scheduled' | 'running' | 'failed', string>>(QUEUE_DEPTH_SQL)
      const row = rows[0]
      if (row === undefined) return
      for (const state of ['ready', 'scheduled', 'running', 'failed'] as const) this.set({ state }, Number(row[state]))
    }
  })
}
