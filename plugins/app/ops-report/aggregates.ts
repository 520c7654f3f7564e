// The report's six kinds of aggregate rows, described once for the two places that
// combine them: the roll-up job (minutes into ten-minute rows, those into hourly
// rows) and the report (a window's rows, from whichever widths cover it). Both group
// the same rows with the same aggregates, so a figure is the same whichever width it
// is read from. A minute row is read in the roll-up's shape (`minute AS start`, a
// process's rss_bytes as its rss_max…), so every source of a kind has one set of
// columns.
import { LATENCY_BUCKETS } from '../../external/metrics.ts'
import { JOB_DURATION_BUCKETS } from '../jobs/job-metrics.ts'

/** 'latest': the value of the row with the greatest last_minute (the state reported last) */
type Aggregate = 'sum' | 'max' | 'min' | 'latest'
interface Column {
  name: string
  aggregate: Aggregate
  /** the expression over a minute row, where it is not the column of the same name */
  minute?: string
}
export interface Kind {
  /** the tables ops.<name>_minutes and ops.<name>_rollups */
  name: 'route' | 'query' | 'cache' | 'job' | 'agency' | 'process'
  keys: string[]
  columns: Column[]
  /** the length of the buckets array (counts per latency bucket), if the kind has one */
  buckets: number
}

const sums = (...names: string[]): Column[] => names.map((name) => ({ name, aggregate: 'sum' }))
const latest = (...names: string[]): Column[] => names.map((name) => ({ name, aggregate: 'latest' }))
const maxima = (...names: string[]): Column[] => names.map((name) => ({ name, aggregate: 'max' }))

export const KINDS = {
  route: { name: 'route', keys: ['method', 'route'], columns: sums('requests', 'server_errors', 'client_errors', 'duration_sum_s'), buckets: LATENCY_BUCKETS.length + 1 },
  query: { name: 'query', keys: ['collection', 'command', 'shape'], columns: sums('commands', 'failures', 'duration_sum_s'), buckets: LATENCY_BUCKETS.length + 1 },
  cache: { name: 'cache', keys: ['cache'], columns: sums('hit', 'stale', 'miss', 'coalesced', 'bypass'), buckets: 0 },
  job: { name: 'job', keys: ['task'], columns: sums('succeeded', 'failed', 'permanent_failures', 'duration_sum_s'), buckets: JOB_DURATION_BUCKETS.length + 1 },
  agency: { name: 'agency', keys: ['agency_id'], columns: sums('requests', 'request_ms', 'error_ms'), buckets: 0 },
  process: {
    name: 'process',
    keys: ['instance'],
    columns: [
      { name: 'rows', aggregate: 'sum', minute: '1' },
      { name: 'first_minute', aggregate: 'min', minute: 'minute' },
      { name: 'last_minute', aggregate: 'max', minute: 'minute' },
      { name: 'rss_max', aggregate: 'max', minute: 'rss_bytes' },
      { name: 'elu_sum', aggregate: 'sum', minute: 'event_loop_utilization' },
      ...sums('seconds', 'cpu_seconds', 'breaker_open_seconds', 'mongo_checkouts', 'mongo_waits', 'mongo_checkout_failures', 'redis_down_seconds', 'shed', 'rate_limited'),
      ...maxima('event_loop_delay_p99_ms', 'mongo_wait_queue_max', 'pg_waiting_max'),
      ...latest('role', 'rss_bytes', 'rss_limit_bytes', 'heap_used_bytes', 'heap_limit_bytes', 'breaker_state', 'mongo_open', 'mongo_checked_out', 'pg_total', 'pg_idle', 'redis_status')
    ],
    buckets: 0
  }
} as const satisfies Record<string, Kind>

/** Seconds a row covers: 60 for a minute row, else a roll-up's width_s. */
export const MINUTE_S = 60

/** ARRAY[sum(buckets[1]), …]: element-wise sums of the bucket arrays, as plain aggregates */
export function bucketSums (n: number, type: 'float8' | 'bigint'): string {
  return `ARRAY[${Array.from({ length: n }, (_, i) => `coalesce(sum(buckets[${i + 1}]), 0)`).join(', ')}]::${type}[]`
}

const namesOf = (kind: Kind) => [...kind.keys, ...kind.columns.map((column) => column.name), ...(kind.buckets > 0 ? ['buckets'] : [])]

/** The kind's columns aggregated over a group of its rows, as a roll-up stores them. */
function aggregates (kind: Kind): string[] {
  const columns = kind.columns.map((column) => column.aggregate === 'latest'
    ? `(array_agg(${column.name} ORDER BY last_minute DESC))[1] AS ${column.name}`
    : `${column.aggregate}(${column.name}) AS ${column.name}`)
  return kind.buckets > 0 ? [...columns, `${bucketSums(kind.buckets, 'bigint')} AS buckets`] : columns
}

/** For the report: the keys and the sums of a kind whose columns are all sums, as float8 (pg hands bigint and numeric over as strings). */
export function totals (kind: Kind): string {
  const columns = kind.columns.map((column) => {
    if (column.aggregate !== 'sum') throw new Error(`${kind.name}.${column.name} is not a sum`)
    return `sum(${column.name})::float8 AS ${column.name}`
  })
  return [...kind.keys, ...columns, ...(kind.buckets > 0 ? [`${bucketSums(kind.buckets, 'float8')} AS buckets`] : [])].join(', ')
}

/** One contiguous range of rows of one width: [from, to), or from `from` on. */
export interface Span { widthS: number, from: Date, to: Date | null }

/**
 * The rows of the spans, in the roll-up's shape (with `start`), as one UNION ALL. `bind`
 * turns a bound into a query parameter.
 */
export function rowsOf (kind: Kind, spans: Span[], bind: (value: Date) => string): string {
  const minuteExpressions = new Map(kind.columns.filter((column) => column.minute !== undefined).map((column) => [column.name, `${column.minute} AS ${column.name}`]))
  return spans.map((span) => {
    if (span.widthS === MINUTE_S) {
      const columns = namesOf(kind).map((name) => minuteExpressions.get(name) ?? name).join(', ')
      return `SELECT minute AS start, ${columns} FROM ops.${kind.name}_minutes WHERE minute >= ${bind(span.from)}` +
        (span.to === null ? '' : ` AND minute < ${bind(span.to)}`)
    }
    return `SELECT start, ${namesOf(kind).join(', ')} FROM ops.${kind.name}_rollups WHERE width_s = ${span.widthS} AND start >= ${bind(span.from)}` +
      (span.to === null ? '' : ` AND start < ${bind(span.to)}`)
  }).join('\nUNION ALL ')
}

/** Rolls the rows of one width in [$1, $2) up into rows of widthS (aligned to the epoch). */
export function rollUpSql (kind: Kind, widthS: number, sourceWidthS: number): string {
  let parameter = 0
  const source = rowsOf(kind, [{ widthS: sourceWidthS, from: new Date(0), to: new Date(0) }], () => `$${++parameter}`)
  return `INSERT INTO ops.${kind.name}_rollups (width_s, start, ${namesOf(kind).join(', ')})
    SELECT ${widthS}, date_bin('${widthS} seconds', start, timestamptz 'epoch'), ${[...kind.keys, ...aggregates(kind)].join(', ')}
    FROM (${source}) AS source GROUP BY 2, ${kind.keys.join(', ')}`
}
