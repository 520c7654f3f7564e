// GET /v1/jobs/:id, what admins poll: token, rate limit, one primary-key read in
// PostgreSQL and the signed link of a finished export. Targets: req/s at least
// agency-get's in the same run (run both: npm run bench -- agency-get job-status
// --connections 100), p99 ≤ 20 ms at 100 connections.
import type { Scenario } from './types.ts'
import { Answers, finished, queueExport } from './background.ts'

export const jobStatus: Scenario = {
  name: 'job-status',
  summary: 'GET /v1/jobs/:id of a finished export: token, rate limit (Redis) and one primary-key read (PostgreSQL)',
  server: 'haven',
  scanDominated: false,
  worker: true,
  async prepare (target) {
    const answers = new Answers()
    const job = await finished(target, (await queueExport(target, { resource: 'properties', format: 'csv' }, answers)).id, answers)
    return { requests: [{ method: 'GET', path: `/v1/jobs/${job.id}`, headers: target.auth }], extra: { jobId: job.id } }
  }
}
