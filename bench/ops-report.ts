// npm run bench:ops-report: what GET /ops/performance costs on a large fleet's aggregates.
// Writes synthetic minutes (bench/ops-synthetic.ts) for a fleet of --instances × --routes over
// the last --hours into a database of its own, times the report read from those minutes
// alone, rolls them up with the roll-up job's own code (timed: the catch-up after downtime),
// extends the hourly roll-ups back to --days with copies of the last day's hours shifted by a
// day (the roll-ups of minutes written that long ago would be those rows), and times every
// window again, now read from roll-ups and minutes. It checks that the 24-hour report is the
// same both ways. The pool is the application's: 10 connections, the 5 s statement timeout.
//
//   npm run bench:ops-report -- [--instances 20] [--routes 25] [--hours 25] [--days 7] [--repeat 5] [--keep]
//
// DATABASE_URL names the server (its database is only used to connect; the bench creates
// and drops haven_ops_bench); without it the bench stack's PostgreSQL is started.
import os from 'node:os'
import { isDeepStrictEqual, parseArgs } from 'node:util'
import pg from 'pg'
import { migratePostgres, migrationPool } from '../migrations/index.ts'
import { ensureRunning } from '../scripts/stack/service.ts'
import { postgres } from '../scripts/stack/postgres.ts'
import { stackLayout } from '../scripts/stack/profile.ts'
import { withDatabase } from '../test/support/databases.ts'
import { KINDS } from '../plugins/app/ops-report/aggregates.ts'
import { generateReport, WINDOWS, type WindowName } from '../plugins/app/ops-report/report.ts'
import { rollUp, rollupDelayMs } from '../plugins/app/ops-report/rollups.ts'
import { writeSyntheticMinutes } from './ops-synthetic.ts'

const DATABASE = 'haven_ops_bench'
const HOUR = 3_600_000
const log = (message: string) => process.stderr.write(`ops-report bench: ${message}\n`)
const loadAverage = () => os.loadavg()[0]!.toFixed(1)

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '20' },
    routes: { type: 'string', default: '25' },
    hours: { type: 'string', default: '25' },
    days: { type: 'string', default: '7' },
    repeat: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false }
  }
})
function integer (name: keyof typeof values, min: number, max: number): number {
  const number = Number(values[name])
  if (!Number.isInteger(number) || number < min || number > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`)
  return number
}
const instances = integer('instances', 1, 200)
const routes = integer('routes', 1, 200)
const hours = integer('hours', 25, 72)
const days = integer('days', 1, 30)
const repeat = integer('repeat', 1, 50)

const server = process.env.DATABASE_URL ?? await (async () => {
  await ensureRunning(postgres, stackLayout('bench'))
  return postgres.url(stackLayout('bench'))
})()
const admin = new pg.Client({ connectionString: withDatabase(server, 'postgres') })
await admin.connect()
await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
await admin.query(`CREATE DATABASE ${DATABASE}`)
// As the application's pool (plugins/external/postgres.ts): what passes 5 s fails here too.
const pool = new pg.Pool({ connectionString: withDatabase(server, DATABASE), max: 10, statement_timeout: 5_000 })
pool.on('error', () => undefined) // connections dropped with the database at the end
// The synthetic data is written without a time limit, by a pool of its own.
const writer = migrationPool(withDatabase(server, DATABASE))

async function timed<T> (fn: () => Promise<T>): Promise<{ ms: number, value: T }> {
  const started = performance.now()
  const value = await fn()
  return { ms: performance.now() - started, value }
}

interface Timing { medianMs: number, maxMs: number, timedOut: boolean }

/** median and slowest of --repeat reports, after one to warm the connections; a query past the statement timeout ends it */
async function timeReport (window: WindowName): Promise<Timing> {
  const runs: number[] = []
  try {
    await generateReport({ pool, prometheusUrl: '' }, window)
    for (let i = 0; i < repeat; i++) runs.push((await timed(() => generateReport({ pool, prometheusUrl: '' }, window))).ms)
  } catch (err) {
    if ((err as { code?: string }).code !== '57014') throw err
    return { medianMs: Number.NaN, maxMs: Number.NaN, timedOut: true }
  }
  runs.sort((a, b) => a - b)
  return { medianMs: runs[Math.floor(runs.length / 2)]!, maxMs: runs.at(-1)!, timedOut: false }
}

const rowCount = async (table: string) => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ops.${table}`)).rows[0]!.n)
const withoutClock = ({ generatedAt: _, ...report }: Awaited<ReturnType<typeof generateReport>>) => report

try {
  await migratePostgres(writer)
  const last = Math.floor(Date.now() / 60_000) * 60_000 - 60_000
  const fleet = { prefix: 'instance', instances, routes, shapes: 30, agenciesPerMinute: 25, agencyPool: 1_000, from: new Date(last - hours * HOUR + 60_000), to: new Date(last) }
  log(`writing ${hours} h of minutes for ${instances} instances × ${routes} routes (30 shapes, 25 of 1,000 agencies a minute), load ${loadAverage()}`)
  const written = await timed(() => writeSyntheticMinutes(writer, fleet, (upTo) => log(`  … up to ${upTo.toISOString()}`)))
  await writer.query('VACUUM ANALYZE')
  log(`written in ${(written.ms / 1000).toFixed(1)} s: ${Object.entries(written.value).map(([table, n]) => `${table} ${n.toLocaleString('en-US')}`).join(', ')}`)

  const fromMinutes: Record<string, Timing> = {}
  for (const window of ['5m', '1h', '24h'] as const) fromMinutes[window] = await timeReport(window)
  const at = new Date()
  // The reference for the comparison, without the time limit (it may pass it from minutes).
  const dayFromMinutes = withoutClock(await generateReport({ pool: writer, prometheusUrl: '', at }, '24h'))

  log(`rolling up (the job's code, as after ${hours} h of downtime), load ${loadAverage()}`)
  const rolled = await timed(() => rollUp(pool, { delayMs: rollupDelayMs(60_000), budgetMs: 600_000 }))
  log(`rolled up in ${(rolled.ms / 1000).toFixed(1)} s: ${rolled.value.map((r) => `${r.periods} × ${r.widthS} s`).join(', ')}`)
  const sameDay = isDeepStrictEqual(withoutClock(await generateReport({ pool, prometheusUrl: '', at }, '24h')), dayFromMinutes)

  // Hourly rows for the older days: the last complete day's, a day earlier each time.
  const { rows } = await pool.query<{ until: Date }>('SELECT done_until AS until FROM ops.rollup_state WHERE width_s = 3600')
  const until = rows[0]!.until
  for (const kind of Object.values(KINDS)) {
    const columns = (await pool.query(`SELECT * FROM ops.${kind.name}_rollups LIMIT 0`)).fields.map((field) => field.name).filter((name) => name !== 'start')
    for (let day = 1; day < days; day++) {
      await writer.query(`INSERT INTO ops.${kind.name}_rollups (start, ${columns.join(', ')})
        SELECT start - make_interval(days => $2), ${columns.join(', ')} FROM ops.${kind.name}_rollups
        WHERE width_s = 3600 AND start >= $1::timestamptz - interval '1 day' AND start < $1::timestamptz
        ON CONFLICT DO NOTHING`, [until, day])
    }
  }
  await writer.query('VACUUM ANALYZE')
  const sizes = Object.fromEntries(await Promise.all(Object.values(KINDS).flatMap((kind) => [`${kind.name}_minutes`, `${kind.name}_rollups`]).map(async (table) => [table, await rowCount(table)] as const)))

  log(`timing the report from roll-ups, load ${loadAverage()}`)
  const fromRollups: Record<string, Timing> = {}
  for (const window of Object.keys(WINDOWS) as WindowName[]) fromRollups[window] = await timeReport(window)

  const figure = (timing: Timing | undefined) => timing === undefined
    ? 'not measured (needs 7 days of minutes)'
    : timing.timedOut ? 'past the 5 s statement timeout' : `${timing.medianMs.toFixed(0)} ms (max ${timing.maxMs.toFixed(0)})`
  process.stdout.write([
    `${instances} instances × ${routes} routes, ${hours} h of minutes, ${days} days of roll-ups; median of ${repeat} reports; load average ${loadAverage()} on ${os.availableParallelism()} cores`,
    `rows: ${Object.entries(sizes).map(([table, n]) => `${table} ${n.toLocaleString('en-US')}`).join(', ')}`,
    `minutes written in ${(written.ms / 1000).toFixed(1)} s; rolled up (${hours} h) in ${(rolled.ms / 1000).toFixed(1)} s`,
    `24h report from roll-ups equals the one from minutes: ${sameDay ? 'yes' : 'NO'}`,
    '| window | minutes only | roll-ups + recent minutes |',
    '|---|--:|--:|',
    ...(Object.keys(WINDOWS) as WindowName[]).map((window) => `| ${window} | ${figure(fromMinutes[window])} | ${figure(fromRollups[window])} |`),
    ''
  ].join('\n'))
  if (!sameDay) process.exitCode = 1
} finally {
  await Promise.all([pool.end(), writer.end()])
  if (!values.keep) await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
  await admin.end()
}
