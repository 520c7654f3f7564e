// Synthetic per-minute aggregates, as a fleet of Haven processes writes them
// (plugins/app/ops-report/store.ts): per instance and minute, every route, a number of
// MongoDB query shapes, the caches, a few job tasks, the process's own row, and the
// agencies its top-k sketch kept, drawn from a larger pool in bands so one minute never
// names an agency twice. Written by PostgreSQL itself (generate_series), a few hours per
// statement. Every value is a function of (minute, instance, key), so the same call writes
// the same rows, and every fraction is a multiple of 2^-6: sums are exact in any order,
// so a figure read from minutes and from roll-ups can be compared for equality.
import type { Pool } from 'pg'
import { LATENCY_BUCKETS } from '../plugins/external/metrics.ts'
import { JOB_DURATION_BUCKETS } from '../plugins/app/jobs/job-metrics.ts'

export interface SyntheticFleet {
  /** instances are named `${prefix}-1` … */
  prefix: string
  instances: number
  routes: number
  /** query shapes per instance and minute */
  shapes: number
  /** agencies kept per instance and minute, out of agencyPool (a multiple of it) */
  agenciesPerMinute: number
  agencyPool: number
  /** first and last minute written (inclusive) */
  from: Date
  to: Date
}

const CACHES = ['dashboard-l1', 'dashboard-l2', 'session-revocations']
const TASKS = ['warm-dashboards', 'repair-ledger-projections', 'run-export']
const COLLECTIONS = ['properties', 'units', 'leases', 'charges', 'payments', 'tenants']
const CHUNK_MS = 6 * 3_600_000

// s: a number that varies with the minute, the instance and the row's key.
const SEED = '(extract(epoch FROM minute)::bigint / 60 * 7 + i * 13 + k * 31)'
// Counts per latency bucket, most requests in the fast buckets; their sum, the requests.
const TOPS = [3, 6, 10, 12, 10, 8, 6, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1]
const bucket = (b: number) => `((${SEED} * ${b + 3} + ${b}) % ${TOPS[b]! + 1})::integer`
const bucketArray = (n: number) => `ARRAY[${Array.from({ length: n }, (_, b) => bucket(b)).join(', ')}]`
const bucketTotal = (n: number) => `(${Array.from({ length: n }, (_, b) => bucket(b)).join(' + ')})`

function statements (fleet: SyntheticFleet): Record<string, string> {
  const series = (keys: number) => `generate_series($1::timestamptz, $2::timestamptz, interval '1 minute') AS m(minute),
    generate_series(1, ${fleet.instances}) AS n(i), generate_series(1, ${keys}) AS key(k)`
  const instance = `'${fleet.prefix}-' || i`
  const routes = bucketTotal(LATENCY_BUCKETS.length + 1)
  const band = fleet.agencyPool / fleet.agenciesPerMinute
  return {
    route_minutes: `INSERT INTO ops.route_minutes (minute, instance, method, route, requests, server_errors, client_errors, duration_sum_s, buckets)
      SELECT minute, ${instance}, CASE WHEN k % 4 = 0 THEN 'POST' ELSE 'GET' END, '/v1/synthetic-' || k, ${routes},
        (CASE WHEN ${SEED} % 11 = 0 THEN 1 ELSE 0 END), ${SEED} % 3, ${routes} * k * 0.015625, ${bucketArray(LATENCY_BUCKETS.length + 1)}
      FROM ${series(fleet.routes)}`,
    query_minutes: `INSERT INTO ops.query_minutes (minute, instance, collection, command, shape, commands, failures, duration_sum_s, buckets)
      SELECT minute, ${instance}, (ARRAY[${COLLECTIONS.map((c) => `'${c}'`).join(', ')}])[k % ${COLLECTIONS.length} + 1],
        CASE WHEN k % 3 = 0 THEN 'aggregate' ELSE 'find' END, '{"agencyId":"?","f' || k || '":"?"}', ${routes},
        (CASE WHEN ${SEED} % 29 = 0 THEN 1 ELSE 0 END), ${routes} * k * 0.03125, ${bucketArray(LATENCY_BUCKETS.length + 1)}
      FROM ${series(fleet.shapes)}`,
    cache_minutes: `INSERT INTO ops.cache_minutes (minute, instance, cache, hit, stale, miss, coalesced, bypass)
      SELECT minute, ${instance}, (ARRAY[${CACHES.map((c) => `'${c}'`).join(', ')}])[k], 40 + ${SEED} % 20, ${SEED} % 3, 5 + ${SEED} % 7, ${SEED} % 2, 0
      FROM ${series(CACHES.length)}`,
    job_minutes: `INSERT INTO ops.job_minutes (minute, instance, task, succeeded, failed, permanent_failures, duration_sum_s, buckets)
      SELECT minute, ${instance}, (ARRAY[${TASKS.map((c) => `'${c}'`).join(', ')}])[k], ${bucketTotal(JOB_DURATION_BUCKETS.length + 1)},
        (CASE WHEN ${SEED} % 13 = 0 THEN 1 ELSE 0 END), 0, k * 0.5, ${bucketArray(JOB_DURATION_BUCKETS.length + 1)}
      FROM ${series(TASKS.length)}`,
    agency_minutes: `INSERT INTO ops.agency_minutes (minute, instance, agency_id, requests, request_ms, error_ms)
      SELECT minute, ${instance}, 'agency-' || ((k - 1) * ${band} + ${SEED} % ${band}), (${fleet.agenciesPerMinute} - k) * 2 + 1 + ${SEED} % 5,
        ((${fleet.agenciesPerMinute} + 1 - k) * 64 + ${SEED} % 64) * 0.25, CASE WHEN k > 10 THEN (${SEED} % 8) * 0.5 ELSE 0 END
      FROM ${series(fleet.agenciesPerMinute)}`,
    process_minutes: `INSERT INTO ops.process_minutes (minute, instance, role, seconds, rss_bytes, rss_limit_bytes, heap_used_bytes, heap_limit_bytes,
        cpu_seconds, event_loop_utilization, event_loop_delay_p99_ms, breaker_state, breaker_open_seconds, mongo_open, mongo_checked_out,
        mongo_wait_queue_max, mongo_checkouts, mongo_waits, mongo_checkout_failures, pg_total, pg_idle, pg_waiting_max, redis_status,
        redis_down_seconds, shed, rate_limited)
      SELECT minute, ${instance}, CASE WHEN i % 4 = 0 THEN 'worker' ELSE 'api' END, 60, 150000000 + (${SEED} % 1000) * 100000, 2147483648,
        80000000 + (${SEED} % 500) * 100000, 4294967296, (${SEED} % 32) * 0.125, (${SEED} % 16) * 0.0625, 10 + ${SEED} % 40,
        CASE WHEN ${SEED} % 97 = 0 THEN 'open' ELSE 'closed' END, CASE WHEN ${SEED} % 97 = 0 THEN 30 ELSE 0 END, 5 + ${SEED} % 5, ${SEED} % 4,
        ${SEED} % 3, 500 + ${SEED} % 300, ${SEED} % 9, 0, 4, 2 + ${SEED} % 2, ${SEED} % 2, CASE WHEN ${SEED} % 89 = 0 THEN 'reconnecting' ELSE 'ready' END,
        CASE WHEN ${SEED} % 89 = 0 THEN 5 ELSE 0 END, CASE WHEN ${SEED} % 53 = 0 THEN 4 ELSE 0 END, ${SEED} % 2
      FROM ${series(1)}`
  }
}

/** Writes the fleet's minutes; returns the rows written per table. */
export async function writeSyntheticMinutes (pool: Pool, fleet: SyntheticFleet, progress?: (upTo: Date) => void): Promise<Record<string, number>> {
  if (!Number.isInteger(fleet.agencyPool / fleet.agenciesPerMinute)) throw new RangeError('agencyPool must be a multiple of agenciesPerMinute')
  const written: Record<string, number> = {}
  for (let start = fleet.from.getTime(); start <= fleet.to.getTime(); start += CHUNK_MS) {
    const end = new Date(Math.min(start + CHUNK_MS - 60_000, fleet.to.getTime()))
    for (const [table, sql] of Object.entries(statements(fleet))) {
      const result = await pool.query(sql, [new Date(start), end])
      written[table] = (written[table] ?? 0) + (result.rowCount ?? 0)
    }
    progress?.(end)
  }
  return written
}
