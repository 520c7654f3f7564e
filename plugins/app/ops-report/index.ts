// The performance report (GET /ops/performance): every process writes what it
// saw to PostgreSQL once per OPS_AGGREGATE_INTERVAL_MS (aligned to the clock, so
// a minute's rows of every instance line up), and the report reads every
// instance's rows. A failed write is retried with the next flush (the last
// MAX_PENDING intervals are kept). A scheduled job rolls the minutes up into
// ten-minute and hourly rows (rollups.ts), which the report reads for all but the
// recent part of a window; what is past its retention (minutes and ten-minute rows
// after OPS_MINUTE_RETENTION_HOURS once rolled up, everything after
// OPS_RETENTION_DAYS) is deleted hourly by whichever process gets there first.
// OBSERVABILITY=metrics or off: this process writes nothing (the report still
// reads what others wrote). Beside the report, the operator's other views: pools
// and index insight.
import fp from 'fastify-plugin'
import os from 'node:os'
import { Collector, type Interval } from './collector.ts'
import { deleteExpired, MAX_PENDING, writeInterval } from './store.ts'
import { generateReport, type PerformanceReport, type WindowName } from './report.ts'
import { poolsNow, type PoolsView } from './pools.ts'
import { compareIndexes, describeDrift, type CollectionIndexes } from '../../../migrations/mongo/drift.ts'
import { indexes as declaredIndexes } from '../../../migrations/mongo/indexes.ts'

export { WINDOWS, type WindowName, type PerformanceReport } from './report.ts'

declare module 'fastify' {
  interface FastifyInstance {
    opsReport: {
      /** this process, as the report names it: host:pid (and #n for a second app in one process) */
      instance: string
      /** writes what this process saw since the last flush (also run on its timer and at close) */
      flush: () => Promise<void>
      generate: (window: WindowName) => Promise<PerformanceReport>
      /** the connection pools now, and MongoDB's waits over the last hour */
      pools: () => Promise<PoolsView>
      /** the declared MongoDB indexes against the database's, with their use */
      indexes: () => Promise<{ drift: string[], collections: CollectionIndexes[] }>
    }
  }
}

const CLEANUP_EVERY_MS = 3_600_000
let appsInProcess = 0

export default fp<{ offline?: boolean }>(async function opsReport (fastify, opts) {
  const config = fastify.config
  appsInProcess++
  const instance = `${os.hostname()}:${process.pid}${appsInProcess > 1 ? `#${appsInProcess}` : ''}`
  const pool = fastify.pg.pool

  // Offline nothing is served, so nothing is collected or written.
  const collector = config.OBSERVABILITY === 'full' && opts.offline !== true ? new Collector(fastify, instance) : null
  const pending: Interval[] = []
  let lastCleanup = 0
  let flushing: Promise<void> = Promise.resolve()

  async function writePending (): Promise<void> {
    if (collector === null) return
    pending.push(await collector.take())
    if (pending.length > MAX_PENDING) {
      pending.shift()
      fastify.log.warn('ops report: PostgreSQL unreachable for a while; the oldest unwritten minute is dropped')
    }
    while (pending.length > 0) {
      await writeInterval(pool, pending[0]!)
      pending.shift()
    }
    if (Date.now() - lastCleanup > CLEANUP_EVERY_MS) {
      lastCleanup = Date.now()
      const deleted = await deleteExpired(pool, { days: config.OPS_RETENTION_DAYS, minuteHours: config.OPS_MINUTE_RETENTION_HOURS })
      if (deleted > 0) fastify.log.info({ deleted }, 'ops report: expired aggregates deleted')
    }
  }
  // One flush at a time; each waits for the one before.
  const flush = () => {
    flushing = flushing.then(writePending).catch((err: unknown) => fastify.log.warn({ err }, 'ops report: aggregates not written; retrying with the next flush'))
    return flushing
  }

  let timer: NodeJS.Timeout | undefined
  if (collector !== null) {
    // The agency of every authenticated request, weighted by its time: the top-k sketch.
    fastify.addHook('onResponse', (request, reply, done) => {
      const agencyId = request.auth?.agencyId
      if (agencyId !== undefined && agencyId !== null) collector.agencies.add(agencyId.toString(), reply.elapsedTime)
      done()
    })
    fastify.mongoMonitor.onCommand((finished) => collector.shapes.record(finished))

    const interval = config.OPS_AGGREGATE_INTERVAL_MS
    const schedule = () => {
      timer = setTimeout(() => {
        void flush()
        schedule()
      }, interval - (Date.now() % interval)).unref()
    }
    schedule()
  }

  fastify.addHook('onClose', async () => {
    clearTimeout(timer)
    await flush()
    collector?.stop()
  })

  fastify.decorate('opsReport', {
    instance,
    flush,
    generate: (window) => generateReport({ pool, prometheusUrl: config.PROMETHEUS_URL }, window),
    pools: () => poolsNow(fastify, instance),
    indexes: async () => {
      const collections = await compareIndexes(fastify.mongo.db!, declaredIndexes, config.MONGODB_QUERY_TIMEOUT_MS)
      return { drift: describeDrift(collections), collections }
    }
  })
}, { name: 'ops-report', dependencies: ['postgres', 'mongodb', 'redis', 'metrics', 'dashboard-cache', 'under-pressure'] })
