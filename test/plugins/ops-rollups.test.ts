// The report's roll-ups (plugins/app/ops-report/rollups.ts): every window's figures are
// the same read from the minutes and read from ten-minute and hourly roll-ups, even once
// the rolled-up minutes are gone; two runs at once roll each period once; a run after
// downtime catches up, an hour a transaction, within its budget; a flush later than the
// job waits for is counted in the first minute not rolled up; and what is past its
// retention is deleted, minutes only once rolled up.
import { test } from 'tap'
import type { Pool } from 'pg'
import { build } from '../helper.ts'
import { taskHelpers } from '../support/crash.ts'
import { writeSyntheticMinutes, type SyntheticFleet } from '../../bench/ops-synthetic.ts'
import { createTaskList } from '../../jobs/index.ts'
import { generateReport, WINDOWS, type WindowName } from '../../plugins/app/ops-report/report.ts'
import { rolledUntil, rollUp } from '../../plugins/app/ops-report/rollups.ts'
import { deleteExpired, writeInterval } from '../../plugins/app/ops-report/store.ts'
import type { Interval } from '../../plugins/app/ops-report/collector.ts'

const MINUTE = 60_000
const HOUR = 3_600_000
// As the job waits with a one-second interval (test-sized; 17 minutes in production).
const INTERVAL_MS = 1_000
const DELAY_MS = 17 * INTERVAL_MS
const windows = Object.keys(WINDOWS) as WindowName[]
const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step

async function reports (pool: Pool, at: Date) {
  const all: Record<string, unknown> = {}
  for (const window of windows) {
    const { generatedAt: _, ...report } = await generateReport({ pool, prometheusUrl: '', at }, window)
    all[window] = report
  }
  return all
}

const count = async (pool: Pool, sql: string, params: unknown[] = []) => (await pool.query<{ n: number }>(sql, params)).rows[0]!.n

// OBSERVABILITY=metrics: the app writes no minutes of its own, so the data is only the test's.
const quiet = { env: { OBSERVABILITY: 'metrics', OPS_AGGREGATE_INTERVAL_MS: String(INTERVAL_MS) } }

test('every window reads the same figures from roll-ups as from the minutes', async (t) => {
  const app = await build(t, quiet)
  const pool = app.pg.pool
  const at = new Date()
  const last = floorTo(at.getTime(), MINUTE) - MINUTE
  const fleet: SyntheticFleet = { prefix: 'node', instances: 2, routes: 4, shapes: 3, agenciesPerMinute: 5, agencyPool: 40, from: new Date(last - 30 * HOUR), to: new Date(last) }
  await writeSyntheticMinutes(pool, fleet)
  // One instance that stopped 20 hours ago, mid-period: its last state comes from a roll-up.
  await writeSyntheticMinutes(pool, { ...fleet, prefix: 'gone', instances: 1, from: new Date(last - 30 * HOUR + 7 * MINUTE), to: new Date(last - 20 * HOUR - 13 * MINUTE) })

  const fromMinutes = await reports(pool, at)
  const week = fromMinutes['7d'] as Awaited<ReturnType<typeof generateReport>>
  t.equal(week.instances.length, 3, 'three instances in the week')
  t.ok(week.topAgencies.length === 10 && week.slowestQueries.length === 3 && week.routes.length === 4, 'routes, shapes and agencies to compare')

  // Two workers' runs at once: each period is rolled up by one of them.
  const [first, second] = await Promise.all([rollUp(pool, { delayMs: DELAY_MS }), rollUp(pool, { delayMs: DELAY_MS })])
  const marks = await rolledUntil(pool)
  const tenMinutes = (marks.get(600)! - floorTo(last - 30 * HOUR, 600_000)) / 600_000
  const hours = (marks.get(3600)! - floorTo(last - 30 * HOUR, HOUR)) / HOUR
  t.ok(marks.get(600)! >= floorTo(Date.now() - DELAY_MS, 600_000) - 600_000 && marks.get(3600) === floorTo(marks.get(600)!, HOUR), 'rolled up to the complete periods')
  t.equal(first[0]!.periods + second[0]!.periods, tenMinutes, `${tenMinutes} ten-minute periods, each rolled once`)
  t.equal(first[1]!.periods + second[1]!.periods, hours, `${hours} hours, each rolled once`)
  t.equal(await count(pool, 'SELECT count(DISTINCT start)::int AS n FROM ops.route_rollups WHERE width_s = 600'), tenMinutes, 'a row set per ten minutes')
  t.same((await rollUp(pool, { delayMs: DELAY_MS })).map((r) => r.periods), [0, 0], 'a third run finds nothing new')

  t.same(await reports(pool, at), fromMinutes, 'the same report from roll-ups, window by window')

  // The minutes before the last hour and the ten-minute rows before the last day go: each
  // window still has its figures, so they come from the roll-ups.
  for (const table of ['route', 'query', 'cache', 'job', 'agency', 'process']) {
    await pool.query(`DELETE FROM ops.${table}_minutes WHERE minute < $1`, [new Date(Math.min(marks.get(600)!, floorTo(at.getTime() - HOUR, MINUTE)))])
    await pool.query(`DELETE FROM ops.${table}_rollups WHERE width_s = 600 AND start < $1`, [new Date(floorTo(at.getTime() - 24 * HOUR, 600_000))])
  }
  t.same(await reports(pool, at), fromMinutes, 'the same report once the rolled-up minutes are gone')
})

test('a run after downtime catches up an hour a transaction, within its budget, and the scheduled job goes on', async (t) => {
  const app = await build(t, quiet)
  const pool = app.pg.pool
  const last = floorTo(Date.now(), MINUTE) - MINUTE
  await writeSyntheticMinutes(pool, { prefix: 'node', instances: 1, routes: 2, shapes: 1, agenciesPerMinute: 2, agencyPool: 4, from: new Date(last - 5 * HOUR), to: new Date(last) })
  // A clock that moves a second each time it is read: the budget runs out after one transaction.
  let clock = Date.now()
  const run = await rollUp(pool, { delayMs: DELAY_MS, budgetMs: 2_500, now: () => (clock += 1_000) })
  t.same(run.map((r) => r.periods), [6, 0], 'one hour of ten-minute periods, then the budget is spent')
  t.equal((await rolledUntil(pool)).get(3600), null, 'no hour yet')

  // The job reads the clock itself: a ten-minute boundary may pass while it runs.
  const before = Date.now()
  await createTaskList(app)['roll-up-ops-aggregates']!({}, taskHelpers)
  const after = Date.now()
  const marks = await rolledUntil(pool)
  t.ok(marks.get(600)! >= floorTo(before - DELAY_MS, 600_000) && marks.get(600)! <= floorTo(after - DELAY_MS, 600_000), 'the scheduled job rolled up the rest')
  t.equal(marks.get(3600), floorTo(marks.get(600)!, HOUR), 'and the hours')
  const sums = await pool.query<{ minutes: number, rollups: number }>(`SELECT (SELECT sum(requests)::int FROM ops.route_minutes WHERE minute < $1) AS minutes,
    (SELECT sum(requests)::int FROM ops.route_rollups WHERE width_s = 600) AS rollups`, [new Date(marks.get(600)!)])
  t.equal(sums.rows[0]!.rollups, sums.rows[0]!.minutes, 'every rolled-up request counted once')
})

function lateInterval (minute: Date): Interval {
  return {
    instance: 'late',
    minute,
    routes: [{ method: 'GET', route: '/v1/late', requests: 3, serverErrors: 0, clientErrors: 1, durationSumS: 0.75, buckets: [0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0] }],
    queries: [],
    caches: [{ cache: 'dashboard-l1', hit: 2, stale: 0, miss: 1, coalesced: 0, bypass: 0 }],
    jobs: [],
    agencies: [{ key: 'late-agency', weight: 750, count: 3, error: 0 }],
    process: {
      role: 'api', seconds: 60, rssBytes: 1e8, rssLimitBytes: 2e9, heapUsedBytes: 5e7, heapLimitBytes: 4e9, cpuSeconds: 1, eventLoopUtilization: 0.5,
      eventLoopDelayP99Ms: 20, breakerState: 'closed', breakerOpenSeconds: 0, mongoOpen: 1, mongoCheckedOut: 0, mongoWaitQueueMax: 0, mongoCheckouts: 3,
      mongoWaits: 0, mongoCheckoutFailures: 0, pgTotal: 2, pgIdle: 1, pgWaitingMax: 0, redisStatus: 'ready', redisDownSeconds: 0, shed: 0, rateLimited: 0
    }
  }
}

test('a flush later than the roll-up waits for is counted in the first minute not rolled up, never lost', async (t) => {
  const app = await build(t, quiet)
  const pool = app.pg.pool
  const last = floorTo(Date.now(), MINUTE) - MINUTE
  await writeSyntheticMinutes(pool, { prefix: 'node', instances: 1, routes: 2, shapes: 1, agenciesPerMinute: 2, agencyPool: 4, from: new Date(last - 2 * HOUR), to: new Date(last) })
  await rollUp(pool, { delayMs: DELAY_MS })
  const mark = (await rolledUntil(pool)).get(600)!
  const before = await generateReport({ pool, prometheusUrl: '' }, '24h')

  await writeInterval(pool, lateInterval(new Date(mark - 25 * MINUTE)))
  const written = await pool.query<{ minute: Date }>("SELECT DISTINCT minute FROM ops.route_minutes WHERE instance = 'late' UNION SELECT DISTINCT minute FROM ops.process_minutes WHERE instance = 'late'")
  t.same(written.rows.map((row) => row.minute.getTime()), [mark], 'written at the first minute not rolled up')
  const after = await generateReport({ pool, prometheusUrl: '' }, '24h')
  t.equal(after.totals.requests, before.totals.requests + 3, 'its requests are in the report')
  t.match(after.routes.find((route) => route.route === '/v1/late'), { requests: 3, clientErrorRate: 1 / 3 })
  t.ok(after.instances.some((instance) => instance.instance === 'late'), 'and its process')
  await writeInterval(pool, lateInterval(new Date(mark + 2 * MINUTE)))
  t.equal(await count(pool, "SELECT count(*)::int AS n FROM ops.route_minutes WHERE instance = 'late' AND minute = $1", [new Date(mark + 2 * MINUTE)]), 1, 'a minute not rolled up yet keeps its own minute')
})

test('retention: minutes and ten-minute rows go once rolled up and old, everything after the retention', async (t) => {
  const app = await build(t, quiet)
  const pool = app.pg.pool
  const retention = { days: 7, minuteHours: 25 }
  const insert = (label: string, ago: number) => pool.query(`INSERT INTO ops.cache_minutes VALUES (date_trunc('minute', now()) - $2 * interval '1 millisecond', $1, 'dashboard-l1', 1, 0, 0, 0, 0)`, [label, ago])
  await insert('eight-days', 8 * 24 * HOUR)
  await insert('thirty-hours', 30 * HOUR)
  await insert('two-hours', 2 * HOUR)
  const left = async () => (await pool.query<{ instance: string }>('SELECT instance FROM ops.cache_minutes ORDER BY minute')).rows.map((row) => row.instance)

  t.ok(await deleteExpired(pool, retention) >= 1)
  t.same(await left(), ['thirty-hours', 'two-hours'], 'past the retention: gone; older than the minutes\' retention but not rolled up: kept')

  await rollUp(pool, { delayMs: DELAY_MS })
  await pool.query(`INSERT INTO ops.cache_rollups VALUES (3600, date_trunc('hour', now()) - interval '8 days', 'dashboard-l1', 1, 0, 0, 0, 0)`)
  await deleteExpired(pool, retention)
  t.same(await left(), ['two-hours'], 'rolled up and older than 25 hours: gone')
  const rollups = await pool.query<{ width_s: number, hours: number }>("SELECT width_s, round(extract(epoch FROM now() - start) / 3600)::int AS hours FROM ops.cache_rollups ORDER BY width_s, start")
  t.same(rollups.rows.map((row) => [row.width_s, row.hours > 26 ? 'old' : 'recent']), [[600, 'recent'], [3600, 'old'], [3600, 'recent']],
    'the thirty-hour-old minute is kept in its hour; its ten minutes and the eight-day-old hour are gone')
})
