// Which rows cover a report's window. The roll-up job makes ten-minute rows from the
// minutes and hourly rows from the ten-minute ones (rollups.ts); a window reads the
// widest rows that fit it whole, already rolled up, and the minutes for the rest: for a
// week, a few hours of ten-minute rows and minutes at its edges and hourly rows between.
// A trend never reads rows wider than its step. Windows start on a boundary of their
// trend's step, so every step of the trend is a whole one, and so do roll-ups (aligned to
// the epoch): a window is covered exactly, whichever rows it is read from.
import { MINUTE_S, type Span } from './aggregates.ts'

/** The roll-up widths in seconds, finest first: each is made from the one before it, the first from the minutes. */
export const ROLLUP_WIDTHS_S = [600, 3_600] as const

/** Per roll-up width, the time before which it is complete (ms since the epoch), or null: never rolled up. */
export type RolledUntil = ReadonlyMap<number, number | null>

/** The window's first minute: `windowS` before `nowMs`, rounded up to the step. */
export function windowStart (nowMs: number, windowS: number, stepS: number): number {
  const step = stepS * 1000
  return Math.ceil((nowMs - windowS * 1000) / step) * step
}

/**
 * From `fromMs` (on a minute) on: the widest rolled-up rows no wider than `maxWidthS` that fit
 * whole, else minutes; the last span is the minutes not rolled up yet, open-ended.
 */
export function spansOf (fromMs: number, rolled: RolledUntil, maxWidthS: number): Span[] {
  const widths = ROLLUP_WIDTHS_S.filter((widthS) => widthS <= maxWidthS).reverse()
  const spans: Span[] = []
  const add = (widthS: number, from: number, to: number | null) => {
    const last = spans.at(-1)
    if (last !== undefined && last.widthS === widthS && last.to?.getTime() === from) last.to = to === null ? null : new Date(to)
    else spans.push({ widthS, from: new Date(from), to: to === null ? null : new Date(to) })
  }
  const minutesFrom = rolled.get(ROLLUP_WIDTHS_S[0]) ?? null
  let at = fromMs
  while (minutesFrom !== null && at < minutesFrom) {
    const widthS = widths.find((w) => at % (w * 1000) === 0 && at + w * 1000 <= (rolled.get(w) ?? -Infinity)) ?? MINUTE_S
    add(widthS, at, at + widthS * 1000)
    at += widthS * 1000
  }
  add(MINUTE_S, at, null)
  return spans
}
