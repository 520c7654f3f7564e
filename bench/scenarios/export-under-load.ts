// dashboard-cached while an export runs: each round drives GET /v1/dashboard (a
// cache hit) for the round's duration without any export, then again while the
// worker process exports every charge of the largest agency as XLSX (at scale L
// over a million rows); the export is cancelled once the round is over. The main
// figures are those under the export; extra holds both p99s and their ratio
// (target ≤ 2). The worker runs at a lower CPU priority (nice 10, WORKER_NICE in
// bench/servers/haven.ts), as a co-located worker on a shared machine would.
import { measure, type RoundFigures } from '../load.ts'
import type { Scenario } from './types.ts'
import { datasetMonth } from './dashboard-cached.ts'
import { jobStatus, ownRounds, queueExport } from './background.ts'

export const exportUnderLoad: Scenario = {
  name: 'export-under-load',
  summary: 'GET /v1/dashboard (cached) while the worker exports every charge as XLSX, against the same without an export (target: p99 ≤ 2 × p99 without)',
  server: 'haven',
  scanDominated: false,
  worker: true,
  async prepare (target) {
    const path = `/v1/dashboard?period=${datasetMonth(target)}`
    await target.fetchJson(path, { headers: target.auth })
    const requests = [{ method: 'GET' as const, path, headers: target.auth }]
    const quiet: RoundFigures[] = []
    const overlap: number[] = []
    return {
      requests,
      run: async (settings) => {
        const once = { ...settings, rounds: 1, warmupS: 0 }
        const pids = { server: target.serverPid }
        let errors = 0
        if (settings.warmupS > 0) await measure(target.baseUrl, requests, { ...once, durationS: settings.warmupS }, pids, () => undefined)
        return await ownRounds(settings, async (answers) => {
          const without = await measure(target.baseUrl, requests, once, pids, () => undefined)
          quiet.push(without.rounds[0]!)
          const job = await queueExport(target, { resource: 'charges', format: 'xlsx' }, answers)
          const under = await measure(target.baseUrl, requests, once, pids, () => undefined)
          errors += without.errors + under.errors
          for (const [status, n] of Object.entries(under.statusCounts)) answers.add(Number(status), n)
          const after = await jobStatus(target, job.id, answers)
          // How much of the round the export covered: all of it unless it finished first.
          const unfinished = after.status === 'running' || after.status === 'queued'
          overlap.push(unfinished ? 1 : Math.min(1, (Date.parse(after.finishedAt!) - Date.parse(after.createdAt)) / (settings.durationS * 1000)))
          if (unfinished) {
            await target.fetchJson(`/v1/jobs/${job.id}/cancellation`, { method: 'POST', headers: target.auth })
            answers.add(202)
          }
          return under.rounds[0]!
        }, () => errors)
      },
      finish: async () => {
        const p99Without = quiet.map((r) => r.p99)
        return {
          path,
          p99WithoutExport: p99Without,
          rpsWithoutExport: quiet.map((r) => r.rps),
          exportOverlap: overlap,
          targetP99Ratio: 2
        }
      }
    }
  }
}
