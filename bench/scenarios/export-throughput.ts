// export-csv and export-xlsx: every charge of the largest agency (at scale L over a
// million rows) exported by the worker process, one export per round, end to end
// (queued to file stored). rps is rows per second; the latencies are the export's
// duration in milliseconds; memory and CPU are the worker's. Targets: CSV at least
// 50,000 rows/s, XLSX at least 20,000 rows/s.
import type { Scenario } from './types.ts'
import { exportFigures, ownRounds, timedExport, type ExportRun } from './background.ts'

function exportThroughput (format: 'csv' | 'xlsx', target: number): Scenario {
  return {
    name: `export-${format}`,
    summary: `POST /v1/exports of every charge as ${format.toUpperCase()}, queued to stored (rows/s; latency = the export's duration in ms; memory and CPU: the worker's; target ≥ ${target.toLocaleString('en-US')} rows/s)`,
    server: 'haven',
    scanDominated: false,
    worker: true,
    async prepare (target) {
      const runs: ExportRun[] = []
      return {
        requests: [],
        run: (settings) => ownRounds(settings, async (answers) => {
          const run = await timedExport(target, { resource: 'charges', format }, answers)
          runs.push(run)
          return exportFigures(run)
        }),
        extra: { unit: 'rows/s', targetRowsPerSecond: target },
        finish: async () => ({
          rows: runs[0]?.rows ?? 0,
          fileBytes: runs.map((run) => run.job.download?.size ?? 0),
          durationsMs: runs.map((run) => run.durationMs),
          ...(format === 'xlsx' ? { sheets: runs[0]?.job.result?.sheets ?? null } : {})
        })
      }
    }
  }
}

export const exportCsv = exportThroughput('csv', 50_000)
export const exportXlsx = exportThroughput('xlsx', 20_000)
