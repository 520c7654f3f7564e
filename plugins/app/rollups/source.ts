// The inputs of the dashboard, however they were obtained: read from the
// summary documents (the fast path), or recomputed from the raw collections
// (the unoptimised baseline, and the reconciliation that checks the summaries).
import type { LatestPayment, MonthFigures, PriorityCounts, UnitCounts } from '../repositories/agency-summaries.ts'

export interface DashboardSource {
  properties: number
  units: UnitCounts
  leaseEnds: Record<string, number>
  maintenanceOpen: PriorityCounts
  resolutions: Array<{ resolvedAt: Date, hours: number }>
  outstandingByDueDay: Record<string, number>
  outstanding: number
  credit: number
  latestPayments: LatestPayment[]
  months: Map<string, MonthFigures>
}

export const NO_UNITS: UnitCounts = { vacant: 0, occupied: 0, notice: 0, offline: 0 }
export const NO_OPEN_REQUESTS: PriorityCounts = { urgent: 0, high: 0, normal: 0, low: 0 }

export function unitCounts (byStatus: Map<string | null, number>): UnitCounts {
  return { vacant: byStatus.get('vacant') ?? 0, occupied: byStatus.get('occupied') ?? 0, notice: byStatus.get('notice') ?? 0, offline: byStatus.get('offline') ?? 0 }
}

export function priorityCounts (byPriority: Map<string | null, number>): PriorityCounts {
  return { urgent: byPriority.get('urgent') ?? 0, high: byPriority.get('high') ?? 0, normal: byPriority.get('normal') ?? 0, low: byPriority.get('low') ?? 0 }
}

export function leaseEnds (byEndDate: Map<string | null, number>): Record<string, number> {
  return Object.fromEntries([...byEndDate].map(([day, n]) => [day ?? 'open', n]))
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
