// The inputs of the dashboard, however they were obtained: read from the
// summary documents (the fast path), or recomputed from the raw collections
// (the unoptimised baseline, and the reconciliation that checks the summaries).
import type { LatestPayment, LeaseEnds, MonthFigures, PriorityCounts, ResolutionStats, UnitCounts } from '../repositories/agency-summaries.ts'

export interface DashboardSource {
  properties: number
  units: UnitCounts
  leaseEnds: LeaseEnds
  maintenanceOpen: PriorityCounts
  resolutions: ResolutionStats
  outstandingByDueDay: Record<string, number>
  outstanding: number
  credit: number
  latestPayments: LatestPayment[]
  months: Map<string, MonthFigures>
  /** the first and last month holding money (YYYY-MM), null when none does */
  dataMonths: MonthRange | null
}

export interface MonthRange { first: string, last: string }

/** The first and last of the months (YYYY-MM) a summary holds. */
export function rangeOf (months: Iterable<string>): MonthRange | null {
  let range: MonthRange | null = null
  for (const month of months) {
    if (range === null) range = { first: month, last: month }
    else if (month < range.first) range.first = month
    else if (month > range.last) range.last = month
  }
  return range
}

export const NO_UNITS: UnitCounts = { vacant: 0, occupied: 0, notice: 0, offline: 0 }
export const NO_OPEN_REQUESTS: PriorityCounts = { urgent: 0, high: 0, normal: 0, low: 0 }

export function unitCounts (byStatus: Map<string | null, number>): UnitCounts {
  return { vacant: byStatus.get('vacant') ?? 0, occupied: byStatus.get('occupied') ?? 0, notice: byStatus.get('notice') ?? 0, offline: byStatus.get('offline') ?? 0 }
}

export function priorityCounts (byPriority: Map<string | null, number>): PriorityCounts {
  return { urgent: byPriority.get('urgent') ?? 0, high: byPriority.get('high') ?? 0, normal: byPriority.get('normal') ?? 0, low: byPriority.get('low') ?? 0 }
}

// The summary keeps only what the widgets can show, so its size does not grow
// with the portfolio or its history: end dates in the next 180 days (the widget
// looks 90 ahead; the hourly reconciliation recounts long before a later date
// comes into view) and the median of recent resolution times.
export const LEASE_END_HORIZON_DAYS = 180
const DAY_MS = 86_400_000

export function leaseEnds (byEndDate: Map<string | null, number>, today: Date): LeaseEnds {
  const from = today.toISOString().slice(0, 10)
  const to = new Date(today.getTime() + LEASE_END_HORIZON_DAYS * DAY_MS).toISOString().slice(0, 10)
  let active = 0
  const endingByDay: Record<string, number> = {}
  for (const [day, n] of [...byEndDate].sort(([a], [b]) => String(a).localeCompare(String(b)))) {
    active += n
    if (day !== null && day >= from && day <= to) endingByDay[day] = n
  }
  return { active, endingByDay }
}

function medianOf (values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const value = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
  return Math.round(value * 100) / 100
}

export function resolutionStats (resolutions: Array<{ reportedAt: Date, resolvedAt: Date }>): ResolutionStats {
  return { count: resolutions.length, medianHours: medianOf(resolutions.map((r) => (r.resolvedAt.getTime() - r.reportedAt.getTime()) / 3_600_000)) }
}

/** The figures of the given months (zero for a month without any). */
export function pick (months: Record<string, MonthFigures>, periods: string[]): Map<string, MonthFigures> {
  return new Map(periods.map((period) => [period, { charged: months[period]?.charged ?? 0, collected: months[period]?.collected ?? 0 }]))
}

/** The 12 periods (YYYY-MM) ending with the given one, oldest first. */
export function twelveMonthsTo (period: string): string[] {
  const [year, month] = period.split('-').map(Number)
  return Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(year!, month! - 12 + i, 1)).toISOString().slice(0, 7))
}
