// The tasks the worker runs (task name = file name) and the crontab. Every
// crontab line has an explicit id= (renaming a task never re-runs history) and
// a jobKey (a run still queued is not doubled); fill= catches up runs missed
// while no worker was up. Times are UTC.
import type { FastifyInstance } from 'fastify'
import type { TaskList } from 'graphile-worker'
import { endExpiredLeases } from './end-expired-leases.ts'
import { generateRentCharges } from './generate-rent-charges.ts'
import { markOverdueCharges } from './mark-overdue-charges.ts'
import { reconcileRollups } from './reconcile-rollups.ts'
import { repairLedgerProjections } from './repair-ledger-projections.ts'
import { warmDashboards } from './warm-dashboards.ts'
import { runExport } from './run-export.ts'
import { runImport } from './run-import.ts'
import { deliverWebhook } from './deliver-webhook.ts'
import { expireJobFiles } from './expire-job-files.ts'
import { pruneJobHistory } from './prune-job-history.ts'
import { rollUpOpsAggregates } from './roll-up-ops-aggregates.ts'

export function createTaskList (app: FastifyInstance): TaskList {
  return {
    'generate-rent-charges': generateRentCharges(app),
    'mark-overdue-charges': markOverdueCharges(app),
    'end-expired-leases': endExpiredLeases(app),
    'repair-ledger-projections': repairLedgerProjections(app),
    'reconcile-rollups': reconcileRollups(app),
    'warm-dashboards': warmDashboards(app),
    'run-export': runExport(app),
    'run-import': runImport(app),
    'deliver-webhook': deliverWebhook(app),
    'expire-job-files': expireJobFiles(app),
    'prune-job-history': pruneJobHistory(app),
    'roll-up-ops-aggregates': rollUpOpsAggregates(app)
  }
}

/**
 * Tasks that wait on servers we do not control (an agency's webhook receiver):
 * they run in a runner of their own, so however long receivers make them wait,
 * they never hold the slots of exports, imports and scheduled jobs.
 */
export const OUTBOUND_TASKS = ['deliver-webhook'] as const

/** Tasks queued on demand (by the API or other tasks), never by the crontab. */
export const ON_DEMAND_TASKS = ['run-export', 'run-import', 'deliver-webhook'] as const

export const crontab = [
  '10 0 * * * generate-rent-charges ?id=generate-rent-charges&fill=3d&jobKey=generate-rent-charges',
  '20 0 * * * mark-overdue-charges ?id=mark-overdue-charges&fill=3d&jobKey=mark-overdue-charges',
  '30 0 * * * end-expired-leases ?id=end-expired-leases&fill=3d&jobKey=end-expired-leases',
  '*/5 * * * * repair-ledger-projections ?id=repair-ledger-projections&jobKey=repair-ledger-projections',
  '40 * * * * reconcile-rollups ?id=reconcile-rollups&jobKey=reconcile-rollups',
  '* * * * * warm-dashboards ?id=warm-dashboards&jobKey=warm-dashboards',
  '15 * * * * expire-job-files ?id=expire-job-files&jobKey=expire-job-files',
  '50 2 * * * prune-job-history ?id=prune-job-history&jobKey=prune-job-history',
  '* * * * * roll-up-ops-aggregates ?id=roll-up-ops-aggregates&jobKey=roll-up-ops-aggregates'
].join('\n')
