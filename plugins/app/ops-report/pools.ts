// The connection pools, for GET /ops/pools: this instance's state now (MongoDB's
// per server from the driver's pool events, PostgreSQL's from pg, Redis's
// client), and MongoDB pool waits over the last hour for every instance, from
// the per-minute aggregates.
import type { FastifyInstance } from 'fastify'

const HISTORY_MINUTES = 60

interface WaitRow { minute: Date, instances: number, checkouts: number, waits: number, wait_queue_max: number, checkout_failures: number, pg_waiting_max: number }

export async function poolsNow (fastify: FastifyInstance, instance: string) {
  const config = fastify.config
  const pg = fastify.pg.pool
  const [dependencies, history] = await Promise.all([
    fastify.probeDependencies(),
    fastify.pg.pool.query<WaitRow & Record<string, unknown>>(`SELECT minute, count(DISTINCT instance)::float8 AS instances, sum(mongo_checkouts)::float8 AS checkouts,
        sum(mongo_waits)::float8 AS waits, max(mongo_wait_queue_max) AS wait_queue_max, sum(mongo_checkout_failures)::float8 AS checkout_failures,
        max(pg_waiting_max) AS pg_waiting_max
      FROM ops.process_minutes WHERE minute >= now() - make_interval(mins => $1) GROUP BY minute ORDER BY minute`, [HISTORY_MINUTES])
  ])
  return {
    instance,
    mongodb: {
      maxPoolSize: config.MONGODB_MAX_POOL_SIZE,
      minPoolSize: config.MONGODB_MIN_POOL_SIZE,
      waitQueueTimeoutMs: config.MONGODB_WAIT_QUEUE_TIMEOUT_MS,
      servers: fastify.mongoMonitor.pools(),
      probe: dependencies.mongodb
    },
    postgres: { max: config.PG_POOL_MAX, total: pg.totalCount, idle: pg.idleCount, waiting: pg.waitingCount, probe: dependencies.postgres },
    redis: { status: fastify.redis.status, cacheBreaker: fastify.dashboardCache.breakerState(), probe: dependencies.redis },
    history: history.rows.map((row) => ({
      minute: row.minute.toISOString(),
      instances: row.instances,
      mongoCheckouts: row.checkouts,
      mongoWaits: row.waits,
      mongoWaitQueueMax: row.wait_queue_max,
      mongoCheckoutFailures: row.checkout_failures,
      pgWaitingMax: row.pg_waiting_max
    }))
  }
}

export type PoolsView = Awaited<ReturnType<typeof poolsNow>>
