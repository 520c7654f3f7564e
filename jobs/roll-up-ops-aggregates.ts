// Rolls the performance report's per-minute aggregates up into ten-minute and hourly
// rows (plugins/app/ops-report/rollups.ts), so the report over a day or a week stays
// fast however many instances write. Every minute: each run rolls what has become
// complete since the last, or catches up after downtime; several workers at once
// queue on the roll-up's lock and never roll a period twice.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { rollUp, rollupDelayMs } from '../plugins/app/ops-report/rollups.ts'

export function rollUpOpsAggregates (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    const results = await rollUp(app.pg.pool, { delayMs: rollupDelayMs(app.config.OPS_AGGREGATE_INTERVAL_MS) })
    const done = results.filter((result) => result.periods > 0)
    if (done.length > 0) helpers.logger.info(`rolled up ${done.map((result) => `${result.periods} × ${result.widthS} s (until ${result.until!.toISOString()})`).join(', ')}`)
  }
}
