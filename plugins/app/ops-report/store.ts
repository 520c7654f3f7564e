// The report's store in PostgreSQL (migrations/postgres/010_ops_aggregates.sql):
// one transaction per flush, one INSERT per table with a column array per
// parameter (unnest), however many rows; and the retention cleanup of the minutes
// and their roll-ups (015_ops_rollups.sql).
import type { Pool } from 'pg'
import type { Interval } from './collector.ts'
import { KINDS, MINUTE_S } from './aggregates.ts'
import { ROLLUP_WIDTHS_S } from './spans.ts'

/** unwritten intervals a process keeps while PostgreSQL refuses its flushes (the oldest is dropped past that) */
export const MAX_PENDING = 15

// unnest flattens a two-dimensional array, so bucket arrays travel as array literals.
const literal = (buckets: number[]) => `{${buckets.join(',')}}`

const CLEANUP_LOCK = 7_240_312 // arbitrary, fixed: "haven ops cleanup"

export async function writeInterval (pool: Pool, interval: Interval): Promise<void> {
  const { instance, routes, queries, caches, jobs, process: p, agencies } = interval
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    // A minute already rolled up (a flush later than the roll-up job waits for) is counted
    // in the first minute that is not; the shared lock keeps the job from rolling that one
    // up before this flush commits.
    const { rows } = await client.query<{ minute: Date }>('SELECT greatest($1::timestamptz, done_until) AS minute FROM ops.rollup_state WHERE width_s = $2 FOR SHARE',
      [interval.minute, ROLLUP_WIDTHS_S[0]])
    const minute = rows[0]?.minute ?? interval.minute
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

export interface Retention {
  /** OPS_RETENTION_DAYS: nothing is kept longer */
  days: number
  /** OPS_MINUTE_RETENTION_HOURS: minutes and ten-minute rows, once rolled up into the next width */
  minuteHours: number
}

// Minutes and ten-minute rows go once they are older than the minutes' retention and
// rolled up into the next width (a job that stopped keeps them until it catches up), and
// at the latest after the retention; the hourly rows after the retention.
const LEVELS = [MINUTE_S, ...ROLLUP_WIDTHS_S]
const EXPIRY = LEVELS.flatMap((widthS, i) => {
  const next = LEVELS[i + 1]
  const horizon = next === undefined
    ? 'now() - make_interval(days => $1)'
    : `greatest(now() - make_interval(days => $1), least(now() - make_interval(hours => $2),
        coalesce((SELECT done_until FROM ops.rollup_state WHERE width_s = ${next}), '-infinity')))`
  return Object.values(KINDS).map((kind) => ({
    sql: widthS === MINUTE_S
      ? `DELETE FROM ops.${kind.name}_minutes WHERE minute < ${horizon}`
      : `DELETE FROM ops.${kind.name}_rollups WHERE width_s = ${widthS} AND start < ${horizon}`,
    rolledUpFirst: next !== undefined
  }))
})

/** Deletes what is past its retention; one process at a time does it. Returns rows deleted. */
export async function deleteExpired (pool: Pool, retention: Retention): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [CLEANUP_LOCK])
    let deleted = 0
    if (rows[0]?.locked === true) {
      for (const { sql, rolledUpFirst } of EXPIRY) {
        const result = await client.query(sql, rolledUpFirst ? [retention.days, retention.minuteHours] : [retention.days])
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
