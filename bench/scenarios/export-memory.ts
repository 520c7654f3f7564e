// The worker's peak memory does not grow with the rows it exports: a fresh worker
// process exports about a tenth of the largest agency's charges (those due in the
// dataset's last six months), then all of them; the ratio of the two peaks is the
// figure (target at scale L, 1M rows against 100k: at most 1.2). The main figures
// are the full export's (rows/s, duration, the worker's peak RSS and CPU).
import type { Scenario } from './types.ts'
import { exportFigures, ownRounds, timedExport, type ExportRun } from './background.ts'

export const exportMemory: Scenario = {
  name: 'export-memory',
  summary: 'worker peak RSS exporting all charges vs about a tenth of them, each from a fresh worker (target: ratio ≤ 1.2 at 1M vs 100k rows)',
  server: 'haven',
  scanDominated: false,
  worker: true,
  async prepare (target) {
    const anchor = target.plan.anchor
    const from = new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - 6, 1)).toISOString().slice(0, 10)
    const pairs: Array<{ tenth: ExportRun, all: ExportRun }> = []
    return {
      requests: [],
      run: (settings) => ownRounds(settings, async (answers) => {
        await target.worker!.restart()
        const tenth = await timedExport(target, { resource: 'charges', format: 'csv', filters: { dateRange: { field: 'dueDate', from } } }, answers)
        const all = await timedExport(target, { resource: 'charges', format: 'csv' }, answers)
        pairs.push({ tenth, all })
        return exportFigures(all)
      }),
      finish: async () => ({
        tenthRows: pairs[0]?.tenth.rows ?? 0,
        allRows: pairs[0]?.all.rows ?? 0,
        tenthPeakMB: pairs.map((p) => p.tenth.workerRssPeakMB),
        allPeakMB: pairs.map((p) => p.all.workerRssPeakMB),
        peakRatio: pairs.map((p) => Math.round((p.all.workerRssPeakMB / p.tenth.workerRssPeakMB) * 1000) / 1000),
        targetPeakRatio: 1.2
      })
    }
  }
}
