// How soon a queued job starts at idle: POST /v1/exports answered → the worker
// process's task running (the job's startedAt, stamped by PostgreSQL). Ten small
// exports a round (of no rows), one after the other, each awaited to its end. The
// latencies are those start times in ms (target p50 ≤ 50 ms); rps is starts per
// second of the round; memory and CPU are the worker's.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Scenario } from './types.ts'
import { jobStatus, ownRounds, percentile } from './background.ts'
import { sampleUsage } from '../servers/process.ts'

const JOBS_PER_ROUND = 10

export const jobStart: Scenario = {
  name: 'job-start',
  summary: `POST /v1/exports answered → task running, at idle (${JOBS_PER_ROUND} exports a round; latency = start latency in ms; target p50 ≤ 50 ms)`,
  server: 'haven',
  scanDominated: false,
  worker: true,
  async prepare (target) {
    const starts: number[] = []
    return {
      requests: [],
      run: (settings) => ownRounds(settings, async (answers) => {
        const latencies: number[] = []
        const began = performance.now()
        const sampler = await sampleUsage(target.worker!.pid())
        for (let n = 0; n < JOBS_PER_ROUND; n++) {
          // A distinct request each time: the same one while unfinished would be the same job.
          const body = { resource: 'properties', format: 'csv', columns: ['id', 'name'], filters: { dateRange: { field: 'createdAt', from: new Date(Date.now() - n).toISOString() } } }
          const job = await target.fetchJson('/v1/exports', { method: 'POST', body, headers: target.auth }) as { id: string }
          const answeredAt = Date.now()
          answers.add(202)
          let status = await jobStatus(target, job.id, answers)
          while (status.startedAt === null && status.status === 'queued') {
            await sleep(5)
            status = await jobStatus(target, job.id, answers)
          }
          latencies.push(Math.max(0, Date.parse(status.startedAt ?? status.finishedAt!) - answeredAt))
          while (status.status === 'queued' || status.status === 'running') {
            await sleep(20)
            status = await jobStatus(target, job.id, answers)
          }
        }
        starts.push(...latencies)
        const usage = await sampler.stop()
        return {
          rps: Math.round((JOBS_PER_ROUND / ((performance.now() - began) / 1000)) * 10) / 10,
          p50: percentile(latencies, 50),
          p90: percentile(latencies, 90),
          p99: percentile(latencies, 99),
          max: Math.max(...latencies),
          ...usage
        }
      }),
      finish: async () => ({ startLatenciesMs: starts, p50AllMs: percentile(starts, 50), targetP50Ms: 50 })
    }
  }
}
