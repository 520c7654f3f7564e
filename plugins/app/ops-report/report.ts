// generateReport(window): the performance report over every instance, read from
// the aggregates all processes write (store.ts), as roll-ups where a window's
// period is rolled up and as minutes for the rest (spans.ts), and, for alerts, from
// Prometheus. Sums happen in PostgreSQL (one pass over the window's rows per
// table, bucket by bucket); quantiles come from the summed buckets.
import type { Pool } from 'pg'
import { LATENCY_BUCKETS } from '../../external/metrics.ts'
import { JOB_DURATION_BUCKETS } from '../jobs/job-metrics.ts'
import { addInto, quantile } from './histogram.ts'
import { alertsFrom, type Alerts } from './alerts.ts'
import { bucketSums, KINDS, rowsOf, totals, type Kind, type Span } from './aggregates.ts'
import { rolledUntil } from './rollups.ts'
import { spansOf, windowStart } from './spans.ts'

export const WINDOWS = { '5m': 300, '1h': 3_600, '24h': 86_400, '7d': 604_800 } as const
export type WindowName = keyof typeof WINDOWS
/** trend points: about 5 to 170 per window */
const STEP_S: Record<WindowName, number> = { '5m': 60, '1h': 60, '24h': 600, '7d': 3_600 }
const SLOWEST_SHAPES = 20
const TOP_AGENCIES = 10
const QUERIES_AT_ONCE = 3

const ms = (seconds: number | null) => seconds === null ? null : Math.round(seconds * 100_000) / 100
const ratio = (part: number, whole: number) => whole === 0 ? null : part / whole

function percentiles (bounds: readonly number[], buckets: number[]) {
  return { p50Ms: ms(quantile(bounds, buckets, 0.5)), p95Ms: ms(quantile(bounds, buckets, 0.95)), p99Ms: ms(quantile(bounds, buckets, 0.99)) }
}

interface RouteRow { method: string, route: string, requests: number, server_errors: number, client_errors: number, duration_sum_s: number, buckets: number[] }
interface QueryRow { collection: string, command: string, shape: string, commands: number, failures: number, duration_sum_s: number, buckets: number[] }
interface CacheRow { cache: string, hit: number, stale: number, miss: number, coalesced: number, bypass: number }
interface JobRow { task: string, succeeded: number, failed: number, permanent_failures: number, buckets: number[] }
interface AgencyRow { agency_id: string, requests: number, request_ms: number, error_ms: number }
interface LatestRow {
  instance: string, role: string, minute: Date, rss_bytes: number, rss_limit_bytes: number, heap_used_bytes: number, heap_limit_bytes: number,
  breaker_state: string, mongo_open: number, mongo_checked_out: number, pg_total: number, pg_idle: number, redis_status: string
}
interface WindowRow {
  instance: string, first_minute: Date, rss_max: number, cpu_cores: number | null, elu: number, loop_delay_p99_ms: number, breaker_open_seconds: number,
  mongo_wait_queue_max: number, mongo_checkouts: number, mongo_waits: number, mongo_checkout_failures: number, pg_waiting_max: number,
  redis_down_seconds: number, shed: number, rate_limited: number
}
interface TrendRow { at: Date, requests: number, server_errors: number, buckets: number[] }
interface CacheTrendRow { at: Date, hits: number, lookups: number }
interface ProcessTrendRow { at: Date, rss_max: number, cpu_cores: number, shed: number, instances: number }

const stepOf = (stepS: number) => `date_bin('${stepS} seconds', start, timestamptz 'epoch')`

// Each query reads `rows`: the window's rows of its kind, in the roll-up's shape (aggregates.ts).
// Numbers arrive as numbers: every sum is cast to float8 (pg hands bigint and numeric over as strings).
const SQL = {
  routes: (rows: string) => `SELECT ${totals(KINDS.route)} FROM (${rows}) AS w GROUP BY method, route`,
  queries: (rows: string) => `SELECT ${totals(KINDS.query)} FROM (${rows}) AS w GROUP BY collection, command, shape`,
  caches: (rows: string) => `SELECT ${totals(KINDS.cache)} FROM (${rows}) AS w GROUP BY cache ORDER BY cache`,
  jobs: (rows: string) => `SELECT ${totals(KINDS.job)} FROM (${rows}) AS w GROUP BY task ORDER BY task`,
  agencies: (rows: string) => `SELECT ${totals(KINDS.agency)} FROM (${rows}) AS w
    GROUP BY agency_id ORDER BY sum(request_ms) DESC, agency_id LIMIT ${TOP_AGENCIES}`,
  latest: (rows: string) => `SELECT DISTINCT ON (instance) instance, role, last_minute AS minute, rss_bytes::float8 AS rss_bytes,
      rss_limit_bytes::float8 AS rss_limit_bytes, heap_used_bytes::float8 AS heap_used_bytes, heap_limit_bytes::float8 AS heap_limit_bytes,
      breaker_state, mongo_open, mongo_checked_out, pg_total, pg_idle, redis_status
    FROM (${rows}) AS w ORDER BY instance, last_minute DESC`,
  perInstance: (rows: string) => `SELECT instance, min(first_minute) AS first_minute, max(rss_max)::float8 AS rss_max,
      sum(cpu_seconds) / nullif(sum(seconds), 0) AS cpu_cores, sum(elu_sum) / sum(rows) AS elu, max(event_loop_delay_p99_ms) AS loop_delay_p99_ms,
      sum(breaker_open_seconds)::float8 AS breaker_open_seconds, max(mongo_wait_queue_max) AS mongo_wait_queue_max,
      sum(mongo_checkouts)::float8 AS mongo_checkouts, sum(mongo_waits)::float8 AS mongo_waits,
      sum(mongo_checkout_failures)::float8 AS mongo_checkout_failures, max(pg_waiting_max) AS pg_waiting_max,
      sum(redis_down_seconds)::float8 AS redis_down_seconds, sum(shed)::float8 AS shed, sum(rate_limited)::float8 AS rate_limited
    FROM (${rows}) AS w GROUP BY instance`,
  routeTrend: (rows: string, stepS: number) => `SELECT ${stepOf(stepS)} AS at, sum(requests)::float8 AS requests,
      sum(server_errors)::float8 AS server_errors, ${bucketSums(KINDS.route.buckets, 'float8')} AS buckets
    FROM (${rows}) AS w GROUP BY 1 ORDER BY 1`,
  cacheTrend: (rows: string, stepS: number) => `SELECT ${stepOf(stepS)} AS at, sum(hit + stale)::float8 AS hits,
      sum(hit + stale + miss + coalesced + bypass)::float8 AS lookups
    FROM (${rows}) AS w GROUP BY 1 ORDER BY 1`,
  // Cores: CPU seconds of every instance over the step's length.
  processTrend: (rows: string, stepS: number) => `SELECT ${stepOf(stepS)} AS at, max(rss_max)::float8 AS rss_max,
      sum(cpu_seconds) / ${stepS} AS cpu_cores, sum(shed)::float8 AS shed, count(DISTINCT instance)::float8 AS instances
    FROM (${rows}) AS w GROUP BY 1 ORDER BY 1`
}

export interface ReportOptions {
  pool: Pool
  prometheusUrl: string
  /** the window's end (default: now) */
  at?: Date
}

export async function generateReport ({ pool, prometheusUrl, at }: ReportOptions, window: WindowName) {
  const to = at ?? new Date()
  const step = STEP_S[window]
  const from = new Date(windowStart(to.getTime(), WINDOWS[window], step))
  const rolled = await rolledUntil(pool)
  // Totals read the widest rows that fit; a trend none wider than its step.
  const whole = spansOf(from.getTime(), rolled, Infinity)
  const stepped = spansOf(from.getTime(), rolled, step)
  // At most QUERIES_AT_ONCE of the pool's connections (jobs and requests share it): the
  // queries take turns in that many lanes.
  const lanes = Array.from({ length: QUERIES_AT_ONCE }, () => Promise.resolve() as Promise<unknown>)
  let next = 0
  const rows = <T>(kind: Kind, spans: Span[], sql: (rows: string) => string): Promise<T[]> => {
    const params: unknown[] = []
    const text = sql(rowsOf(kind, spans, (value) => `$${params.push(value)}`))
    const lane = next++ % QUERIES_AT_ONCE
    const result = lanes[lane]!.then(async () => (await pool.query<T & Record<string, unknown>>(text, params)).rows as T[])
    lanes[lane] = result.catch(() => undefined)
    return result
  }
  const [routes, queries, caches, jobs, agencies, latest, perInstance, routeTrend, cacheTrend, processTrend, alerts] = await Promise.all([
    rows<RouteRow>(KINDS.route, whole, SQL.routes), rows<QueryRow>(KINDS.query, whole, SQL.queries), rows<CacheRow>(KINDS.cache, whole, SQL.caches),
    rows<JobRow>(KINDS.job, whole, SQL.jobs), rows<AgencyRow>(KINDS.agency, whole, SQL.agencies), rows<LatestRow>(KINDS.process, whole, SQL.latest),
    rows<WindowRow>(KINDS.process, whole, SQL.perInstance), rows<TrendRow>(KINDS.route, stepped, (r) => SQL.routeTrend(r, step)),
    rows<CacheTrendRow>(KINDS.cache, stepped, (r) => SQL.cacheTrend(r, step)), rows<ProcessTrendRow>(KINDS.process, stepped, (r) => SQL.processTrend(r, step)),
    alertsFrom(prometheusUrl, window) as Promise<Alerts>
  ])

  // Rates are per second of the window as covered: from its first minute to now.
  const windowS = (to.getTime() - from.getTime()) / 1000
  const windowOf = new Map(perInstance.map((row) => [row.instance, row]))
  const cacheTrendAt = new Map(cacheTrend.map((row) => [row.at.getTime(), row]))
  const processTrendAt = new Map(processTrend.map((row) => [row.at.getTime(), row]))
  const steps = [...new Set([...routeTrend, ...cacheTrend, ...processTrend].map((row) => row.at.getTime()))].sort((a, b) => a - b)
  const routeTrendAt = new Map(routeTrend.map((row) => [row.at.getTime(), row]))
  const all = { requests: 0, serverErrors: 0, buckets: [] as number[] }
  for (const row of routes) {
    all.requests += row.requests
    all.serverErrors += row.server_errors
    addInto(all.buckets, row.buckets)
  }

  return {
    window,
    from: from.toISOString(),
    to: to.toISOString(),
    generatedAt: new Date().toISOString(),
    totals: {
      requests: all.requests,
      perSecond: all.requests / windowS,
      errorRate: ratio(all.serverErrors, all.requests),
      ...percentiles(LATENCY_BUCKETS, all.buckets)
    },
    instances: latest.map((row) => {
      const w = windowOf.get(row.instance)!
      return {
        instance: row.instance,
        role: row.role,
        firstMinute: w.first_minute.toISOString(),
        lastMinute: row.minute.toISOString(),
        memory: {
          rssBytes: row.rss_bytes,
          rssMaxBytes: w.rss_max,
          rssLimitBytes: row.rss_limit_bytes,
          heapUsedBytes: row.heap_used_bytes,
          heapLimitBytes: row.heap_limit_bytes,
          usedShare: Math.max(ratio(row.rss_bytes, row.rss_limit_bytes) ?? 0, ratio(row.heap_used_bytes, row.heap_limit_bytes) ?? 0)
        },
        cpu: { cores: w.cpu_cores ?? 0, eventLoopUtilization: w.elu, eventLoopDelayP99Ms: w.loop_delay_p99_ms },
        breaker: { state: row.breaker_state, openSeconds: w.breaker_open_seconds },
        pools: {
          mongodb: { open: row.mongo_open, checkedOut: row.mongo_checked_out, waitQueueMax: w.mongo_wait_queue_max, checkouts: w.mongo_checkouts, waits: w.mongo_waits, checkoutFailures: w.mongo_checkout_failures },
          postgres: { total: row.pg_total, idle: row.pg_idle, waitingMax: w.pg_waiting_max },
          redis: { status: row.redis_status, downSeconds: w.redis_down_seconds }
        },
        shed: w.shed,
        rateLimited: w.rate_limited
      }
    }),
    routes: routes.map((row) => ({
      method: row.method,
      route: row.route,
      requests: row.requests,
      perSecond: row.requests / windowS,
      errorRate: ratio(row.server_errors, row.requests),
      clientErrorRate: ratio(row.client_errors, row.requests),
      meanMs: ms(row.duration_sum_s / row.requests),
      ...percentiles(LATENCY_BUCKETS, row.buckets)
    })).sort((a, b) => b.requests * (b.meanMs ?? 0) - a.requests * (a.meanMs ?? 0)),
    slowestQueries: queries.map((row) => ({
      collection: row.collection,
      command: row.command,
      shape: row.shape,
      count: row.commands,
      failures: row.failures,
      totalMs: ms(row.duration_sum_s),
      p95Ms: ms(quantile(LATENCY_BUCKETS, row.buckets, 0.95))
    })).sort((a, b) => (b.p95Ms ?? 0) - (a.p95Ms ?? 0) || (b.totalMs ?? 0) - (a.totalMs ?? 0)).slice(0, SLOWEST_SHAPES),
    caches: caches.map((row) => {
      const lookups = row.hit + row.stale + row.miss + row.coalesced + row.bypass
      return { ...row, lookups, hitRate: ratio(row.hit + row.stale, lookups) }
    }),
    jobs: jobs.map((row) => ({
      task: row.task,
      succeeded: row.succeeded,
      failed: row.failed,
      permanentFailures: row.permanent_failures,
      perMinute: (row.succeeded + row.failed) / (windowS / 60),
      ...percentiles(JOB_DURATION_BUCKETS, row.buckets)
    })),
    topAgencies: agencies.map((row) => ({ agencyId: row.agency_id, requests: row.requests, requestMs: Math.round(row.request_ms), errorBoundMs: Math.round(row.error_ms) })),
    alerts,
    trend: {
      stepSeconds: step,
      points: steps.map((at) => {
        const r = routeTrendAt.get(at)
        const c = cacheTrendAt.get(at)
        const p = processTrendAt.get(at)
        return {
          at: new Date(at).toISOString(),
          requests: r?.requests ?? 0,
          errorRate: r === undefined ? null : ratio(r.server_errors, r.requests),
          p95Ms: r === undefined ? null : ms(quantile(LATENCY_BUCKETS, r.buckets, 0.95)),
          cacheHitRate: c === undefined ? null : ratio(c.hits, c.lookups),
          rssMaxBytes: p?.rss_max ?? null,
          cpuCores: p?.cpu_cores ?? null,
          shed: p?.shed ?? 0,
          instances: p?.instances ?? 0
        }
      })
    }
  }
}

export type PerformanceReport = Awaited<ReturnType<typeof generateReport>>
