// The dashboard's figures from its inputs, as of a moment: pure arithmetic, no
// I/O, the same whether the inputs come from the summaries or the raw data.
import type { Dashboard, Widget } from '../../../schemas/dashboard.ts'
import { agingBucket, daysPastDue } from '../ledger/allocate.ts'
import type { DashboardSource } from './source.ts'

const DAY_MS = 86_400_000

const rate = (part: number, whole: number) => whole <= 0 ? null : Math.round((part / whole) * 10_000) / 10_000

export interface FigureOptions { period: string, periods: string[], now: Date, currency: string, include: ReadonlySet<Widget> }

export function figures (source: DashboardSource, { period, periods, now, currency, include }: FigureOptions): Dashboard {
  const dashboard: Dashboard = { period, currency, generatedAt: now.toISOString() }
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))

  if (include.has('portfolio')) {
    const units = source.units.vacant + source.units.occupied + source.units.notice + source.units.offline
    dashboard.portfolio = { properties: source.properties, units, unitsByStatus: source.units, occupancyRate: rate(source.units.occupied + source.units.notice, units) }
  }
  if (include.has('leases')) {
    const ends = Object.entries(source.leaseEnds.endingByDay)
      .map(([day, n]) => [Date.parse(`${day}T00:00:00.000Z`) - today.getTime(), n] as const)
    const expiring = (days: number) => ends.reduce((sum, [untilEnd, n]) => untilEnd >= 0 && untilEnd <= days * DAY_MS ? sum + n : sum, 0)
    dashboard.leases = { active: source.leaseEnds.active, expiringIn30Days: expiring(30), expiringIn60Days: expiring(60), expiringIn90Days: expiring(90) }
  }
  if (include.has('rent')) {
    const month = source.months.get(period) ?? { charged: 0, collected: 0 }
    dashboard.rent = { period, charged: month.charged, collected: month.collected, collectionRate: rate(month.collected, month.charged) }
  }
  if (include.has('outstanding')) {
    const aging = { '0-30': 0, '31-60': 0, '61-90': 0, '90+': 0 }
    for (const [day, amount] of Object.entries(source.outstandingByDueDay)) {
      if (amount > 0) aging[agingBucket(daysPastDue(new Date(`${day}T00:00:00.000Z`), now))] += amount
    }
    dashboard.outstanding = { total: source.outstanding, credit: source.credit, aging }
  }
  if (include.has('history')) {
    dashboard.history = periods.map((p) => ({ period: p, ...(source.months.get(p) ?? { charged: 0, collected: 0 }) }))
  }
  if (include.has('maintenance')) {
    const open = source.maintenanceOpen
    dashboard.maintenance = {
      open: open.urgent + open.high + open.normal + open.low,
      openByPriority: open,
      resolvedLast30Days: source.resolutions.count,
      medianResolutionHoursLast30Days: source.resolutions.medianHours
    }
  }
  if (include.has('payments')) {
    dashboard.payments = source.latestPayments.map((p) => ({
      id: p.id.toHexString(), leaseId: p.leaseId.toHexString(), amount: p.amount, receivedAt: p.receivedAt.toISOString(), method: p.method, status: p.status
    }))
  }
  return dashboard
}
