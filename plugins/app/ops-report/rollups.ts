// The roll-up of the report's aggregates (run by the scheduled job
// roll-up-ops-aggregates, every minute): ten-minute rows from the minutes, hourly rows
// from the ten-minute rows, so a report over a day or a week reads few rows however many
// instances write. Each width keeps how far it is done (ops.rollup_state); a run rolls the
// periods after that which are complete, oldest first, a few per transaction, and moves
// the mark in the same transaction: a period is rolled up exactly once, whichever worker
// runs the job and however many run it at once (they queue on the mark's row lock), and
// a run after downtime catches up from the mark.
// A ten-minute period is complete once no process can still write a minute of it: flushes
// come at the end of each interval and a refused one is retried for MAX_PENDING
// intervals, so the job waits that long (rollupDelayMs). A minute written later still (a
// process frozen for longer) is counted in the first minute not rolled up (store.ts):
// late, never lost, never counted twice.
import type { Pool, PoolClient } from 'pg'
import { KINDS, MINUTE_S, rollUpSql } from './aggregates.ts'
import { ROLLUP_WIDTHS_S } from './spans.ts'
import { MAX_PENDING } from './store.ts'

/** periods of one width rolled up per transaction: a catch-up holds the mark's lock (and flushes wait) briefly */
const PERIODS_PER_TRANSACTION = 6
const DEFAULT_BUDGET_MS = 30_000

const LEVELS = ROLLUP_WIDTHS_S.map((widthS, i) => {
  const sourceWidthS = i === 0 ? MINUTE_S : ROLLUP_WIDTHS_S[i - 1]!
  return { widthS, sourceWidthS, statements: Object.values(KINDS).map((kind) => rollUpSql(kind, widthS, sourceWidthS)) }
})

// The oldest row of the source width, where a width never rolled up starts.
const OLDEST = {
  minutes: `SELECT least(${Object.values(KINDS).map((kind) => `(SELECT min(minute) FROM ops.${kind.name}_minutes)`).join(', ')}) AS oldest`,
  rollups: `SELECT least(${Object.values(KINDS).map((kind) => `(SELECT min(start) FROM ops.${kind.name}_rollups WHERE width_s = $1)`).join(', ')}) AS oldest`
}

/** How long after its end a ten-minute period is rolled up: the longest a process may still write one of its minutes, and a flush. */
export function rollupDelayMs (aggregateIntervalMs: number): number {
  return (MAX_PENDING + 2) * aggregateIntervalMs
}

export interface RolledUp {
  widthS: number
  /** periods rolled up by this run */
  periods: number
  /** the width's mark after this run: every period before it is rolled up */
  until: Date | null
}

export interface RollUpOptions {
  /** rollupDelayMs of the processes' interval */
  delayMs: number
  /** a run stops starting transactions after this long; the next run goes on */
  budgetMs?: number
  now?: () => number
}

const floorTo = (ms: number, widthS: number) => Math.floor(ms / (widthS * 1000)) * widthS * 1000

async function markOf (client: PoolClient, widthS: number, lock: boolean): Promise<number | null> {
  const { rows } = await client.query<{ done_until: Date | null }>(`SELECT done_until FROM ops.rollup_state WHERE width_s = $1${lock ? ' FOR UPDATE' : ''}`, [widthS])
  if (rows.length === 0) throw new Error(`ops.rollup_state has no row for ${widthS} s (migration 015 not applied?)`)
  return rows[0]!.done_until?.getTime() ?? null
}

/** Rolls up the next few complete periods of one width; null when there are none. */
async function rollUpNext (pool: Pool, level: typeof LEVELS[number], delayMs: number, now: number): Promise<{ periods: number, until: number } | null> {
  const { widthS, sourceWidthS } = level
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const mark = await markOf(client, widthS, true)
    const complete = sourceWidthS === MINUTE_S ? now - delayMs : await markOf(client, sourceWidthS, false)
    const target = complete === null ? null : floorTo(complete, widthS)
    let from = mark
    if (from === null) {
      const { rows } = sourceWidthS === MINUTE_S
        ? await client.query<{ oldest: Date | null }>(OLDEST.minutes)
        : await client.query<{ oldest: Date | null }>(OLDEST.rollups, [sourceWidthS])
      from = rows[0]!.oldest === null ? null : floorTo(rows[0]!.oldest.getTime(), widthS)
    }
    if (target === null || from === null || from >= target) {
      await client.query('COMMIT')
      return null
    }
    const until = Math.min(from + PERIODS_PER_TRANSACTION * widthS * 1000, target)
    for (const statement of level.statements) await client.query(statement, [new Date(from), new Date(until)])
    await client.query('UPDATE ops.rollup_state SET done_until = $2 WHERE width_s = $1', [widthS, new Date(until)])
    await client.query('COMMIT')
    return { periods: (until - from) / (widthS * 1000), until }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}

/** Rolls every width up as far as it is complete (within the budget), finest first. */
export async function rollUp (pool: Pool, options: RollUpOptions): Promise<RolledUp[]> {
  const now = options.now ?? Date.now
  const started = now()
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS
  const results: RolledUp[] = []
  for (const level of LEVELS) {
    const result: RolledUp = { widthS: level.widthS, periods: 0, until: null }
    while (now() - started < budgetMs) {
      const step = await rollUpNext(pool, level, options.delayMs, now())
      if (step === null) break
      result.periods += step.periods
      result.until = new Date(step.until)
    }
    results.push(result)
  }
  return results
}

/** Every width's mark, for the report (rows before it are rolled up). */
export async function rolledUntil (pool: Pool): Promise<Map<number, number | null>> {
  const { rows } = await pool.query<{ width_s: number, done_until: Date | null }>('SELECT width_s, done_until FROM ops.rollup_state')
  return new Map(rows.map((row) => [row.width_s, row.done_until?.getTime() ?? null]))
}
