// The report's store in PostgreSQL (migrations/postgres/010_ops_aggregates.sql):
// one transaction per flush, one INSERT per table with a column array per
// parameter (unnest), however many rows; and the retention cleanup.
import type { Pool } from 'pg'
import type { Interval } from './collector.ts'

// unnest flattens a two-dimensional array, so bucket arrays travel as array literals.
const literal = (buckets: number[]) => `{${buckets.join(',')}}`

const CLEANUP_LOCK = 7_240_312 // arbitrary, fixed: "haven ops cleanup"
export const TABLES = ['route_minutes', 'query_minutes', 'cache_minutes', 'job_minutes', 'process_minutes', 'agency_minutes'] as const

export async function writeInterval (pool: Pool, interval: Interval): Promise<void> {
  const { minute, instance, routes, queries, caches, jobs, process: p, agencies } = interval
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    if (routes.length > 0) {
      await client.query(`INSERT INTO ops.route_minutes (minute, instance, method, route, requests, server_errors, client_errors, duration_sum_s, buckets)
        SELECT $1, $2, m, r, n, s, c, d, b::integer[] FROM unnest($3::text[], $4::text[], $5::integer[], $6::integer[], $7::integer[], $8::float8[], $9::text[]) AS t(m, r, n, s, c, d, b)`,
      [minute, instance, routes.map((r) => r.method), routes.map((r) => r.route), routes.map((r) => r.requests), routes.map((r) => r.serverErrors),
        routes.map((r) => r.clientErrors), routes.map((r) => r.durationSumS), routes.map((r) => literal(r.buckets))])
    }
    if (queries.length > 0) {
      await client.query(`INSERT INTO ops.query_minutes (minute, instance, collection, command, shape, commands, failures, duration_sum_s, buckets)
        SELECT $1, $2, c, m, s, n, f, d, b::integer[] FROM unnest($3::text[], $4::text[], $5::text[], $6::integer[], $7::integer[], $8::float8[], $9::text[]) AS t(c, m, s, n, f, d, b)`,
      [minute, instance, queries.map((q) => q.collection), queries.map((q) => q.command), queries.map((q) => q.shape), queries.map((q) => q.commands),
        queries.map((q) => q.failures), queries.map((q) => q.durationSumS), queries.map((q) => literal(q.buckets))])
    }
    if (caches.length > 0) {
      await client.query(`INSERT INTO ops.cache_minutes (minute, instance, cache, hit, stale, miss, coalesced, bypass)
        SELECT $1, $2, * FROM unnest($3::text[], $4::integer[], $5::integer[], $6::integer[], $7::integer[], $8::integer[])`,
      [minute, instance, caches.map((c) => c.cache), caches.map((c) => c.hit), caches.map((c) => c.stale), caches.map((c) => c.miss),
        caches.map((c) => c.coalesced), caches.map((c) => c.bypass)])
    }
    if (jobs.length > 0) {
      await client.query(`INSERT INTO ops.job_minutes (minute, instance, task, succeeded, failed, permanent_failures, duration_sum_s, buckets)
        SELECT $1, $2, t, s, f, p, d, b::integer[] FROM unnest($3::text[], $4::integer[], $5::integer[], $6::integer[], $7::float8[], $8::text[]) AS x(t, s, f, p, d, b)`,
      [minute, instance, jobs.map((j) => j.task), jobs.map((j) => j.succeeded), jobs.map((j) => j.failed), jobs.map((j) => j.permanentFailures),
        jobs.map((j) => j.durationSumS), jobs.map((j) => literal(j.buckets))])
    }
    if (agencies.length > 0) {
      await client.query(`INSERT INTO ops.agency_minutes (minute, instance, agency_id, requests, request_ms, error_ms)
        SELECT $1, $2, * FROM unnest($3::text[], $4::integer[], $5::float8[], $6::float8[])`,
      [minute, instance, agencies.map((a) => a.key), agencies.map((a) => a.count), agencies.map((a) => a.weight), agencies.map((a) => a.error)])
    }
    await client.query(`INSERT INTO ops.process_minutes (minute, instance, role, seconds, rss_bytes, rss_limit_bytes, heap_used_bytes, heap_limit_bytes,
        cpu_seconds, event_loop_utilization, event_loop_delay_p99_ms, breaker_state, breaker_open_seconds, mongo_open, mongo_checked_out,
        mongo_wait_queue_max, mongo_checkouts, mongo_waits, mongo_checkout_failures, pg_total, pg_idle, pg_waiting_max, redis_status,
        redis_down_seconds, shed, rate_limited)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`,
    [minute, instance, p.role, p.seconds, p.rssBytes, p.rssLimitBytes, p.heapUsedBytes, p.heapLimitBytes, p.cpuSeconds, p.eventLoopUtilization,
      p.eventLoopDelayP99Ms, p.breakerState, p.breakerOpenSeconds, p.mongoOpen, p.mongoCheckedOut, p.mongoWaitQueueMax, p.mongoCheckouts,
      p.mongoWaits, p.mongoCheckoutFailures, p.pgTotal, p.pgIdle, p.pgWaitingMax, p.redisStatus, p.redisDownSeconds, p.shed, p.rateLimited])
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}

/** Deletes the minutes older than the retention; one process at a time does it. Returns rows deleted. */
export async function deleteExpired (pool: Pool, retentionDays: number): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [CLEANUP_LOCK])
    let deleted = 0
    if (rows[0]?.locked === true) {
      for (const table of TABLES) {
        const result = await client.query(`DELETE FROM ops.${table} WHERE minute < now() - make_interval(days => $1)`, [retentionDays])
        deleted += result.rowCount ?? 0
      }
    }
    await client.query('COMMIT')
    return deleted
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}
