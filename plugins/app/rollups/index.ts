// Keeps the dashboard's summary documents current, and checks them.
//  - Money: every applied ledger change moves the agency's figures by the
//    difference of that ledger's contribution before and after ($inc, atomic),
//    and keeps the latest payments list; then the agency's cached dashboards go.
//  - Counts (properties, units by status, active leases by end date, open
//    maintenance, recent resolution times): recounted from their collection
//    after a write that touches them, through an indexed query, and $set with a
//    guard so an older recount never wins.
//  - Reconciliation recomputes everything from the raw documents, reports any
//    drift (log + metric) and repairs it.
import fp from 'fastify-plugin'
import { ObjectId } from 'mongodb'
import { promClient } from '../../external/metrics.ts'
import type { AgencySummaryRecord, LatestPayment, RecountedWidget, RecountedWidgets } from '../repositories/agency-summaries.ts'
import { LATEST_PAYMENTS, monthsOf, type MonthFigures } from '../repositories/agency-summaries.ts'
import { addContribution, contributionChange, contributionOf, emptyContribution, shownPayments, type MoneyContribution } from './money-contribution.ts'
import { leaseEnds, NO_OPEN_REQUESTS, NO_UNITS, pick, priorityCounts, rangeOf, resolutionStats, unitCounts, type DashboardSource } from './source.ts'

const RESOLUTION_WINDOW_MS = 30 * 86_400_000
const MAX_RESOLUTIONS = 5_000
const LEDGER_BATCH = 500
export const ALL_WIDGETS: RecountedWidget[] = ['properties', 'units', 'leaseEnds', 'maintenanceOpen', 'resolutions']
// Widgets over a window of time (lease ends ahead, resolutions behind) go stale as
// days pass even without writes; the hourly reconciliation recounts them, and a
// read of a count older than this recounts it.
const TIME_WINDOWED: ReadonlySet<RecountedWidget> = new Set(['leaseEnds', 'resolutions'])
const WINDOW_RECOUNT_MS = 3_600_000

export interface Drift { widget: string, stored: unknown, actual: unknown }

declare module 'fastify' {
  interface FastifyInstance {
    rollups: {
      /** recounts the widgets a write touched, then drops the agency's cached dashboards */
      afterWrite: (agencyId: ObjectId, widgets: RecountedWidget[]) => Promise<void>
      /** the dashboard's inputs from the summary documents (recounting widgets never counted) */
      fromSummaries: (agencyId: ObjectId, periods: string[]) => Promise<DashboardSource>
      /** the dashboard's inputs recomputed from the raw collections (scans) */
      fromRaw: (agencyId: ObjectId, periods: string[]) => Promise<DashboardSource>
      /** compares the summaries with a recomputation, repairs and returns any drift */
      reconcile: (agencyId: ObjectId) => Promise<Drift[]>
    }
  }
}

export default fp(async function rollups (fastify) {
  const { repos, ledger, dashboardCache } = fastify
  const summaries = repos.agencySummaries
  const driftCounter = new promClient.Counter({
    name: 'haven_rollup_drift_total',
    help: 'Summary figures the reconciliation found wrong and repaired, by widget',
    labelNames: ['widget'] as const,
    registers: [fastify.metricsRegistry]
  })

  async function count<W extends RecountedWidget> (agencyId: ObjectId, widget: W): Promise<RecountedWidgets[W]> {
    switch (widget) {
      case 'properties': return await repos.properties.countCurrent(agencyId) as RecountedWidgets[W]
      case 'units': return unitCounts(await repos.units.countByStatus(agencyId)) as RecountedWidgets[W]
      case 'leaseEnds': return leaseEnds(await repos.leases.activeByEndDate(agencyId), new Date()) as RecountedWidgets[W]
      case 'maintenanceOpen': return priorityCounts(await repos.maintenanceRequests.openByPriority(agencyId)) as RecountedWidgets[W]
      default: {
        const resolved = await repos.maintenanceRequests.resolvedSince(agencyId, new Date(Date.now() - RESOLUTION_WINDOW_MS), MAX_RESOLUTIONS)
        return resolutionStats(resolved) as RecountedWidgets[W]
      }
    }
  }

  async function recount (agencyId: ObjectId, widgets: RecountedWidget[]): Promise<void> {
    await Promise.all(widgets.map(async (widget) => {
      const startedAt = new Date()
      await summaries.setWidget(agencyId, widget, await count(agencyId, widget), startedAt)
    }))
  }

  ledger.onChange(async (agencyId, result) => {
    const { change } = result
    const added = change.type === 'addPayment' ? change.payment : null
    const received: LatestPayment | null = added === null ? null : { id: added._id, leaseId: result.ledger._id, amount: added.amount, receivedAt: added.receivedAt, method: added.method, status: 'applied' }
    await summaries.applyMoneyDelta(agencyId, contributionChange(result.before, result.settlementBefore, result.ledger, result.settlement), received)
    if (change.type === 'reversePayment' || change.type === 'amendPayment') {
      const p = result.ledger.payments.find((payment) => payment._id.equals(change.paymentId))!
      await summaries.setPaymentStatus(agencyId, p._id, p.reversed ? 'reversed' : 'applied', p.method)
    }
    await dashboardCache.invalidate(agencyId.toHexString())
  })

  /** Every ledger of the agency, summed: the money figures as they should be. */
  async function moneyFromLedgers (agencyId: ObjectId): Promise<{ total: MoneyContribution, latest: LatestPayment[] }> {
    const total = emptyContribution()
    let latest: LatestPayment[] = []
    let after: ObjectId | null = null
    for (;;) {
      const batch = await repos.ledgers.forAgency(agencyId, after, LEDGER_BATCH)
      for (const record of batch) {
        addContribution(total, contributionOf(record))
        latest.push(...shownPayments(record))
        if (latest.length > LATEST_PAYMENTS * 4) latest = newest(latest)
      }
      if (batch.length < LEDGER_BATCH) break
      after = batch.at(-1)!._id
    }
    return { total, latest: newest(latest) }
  }

  function newest (payments: LatestPayment[]): LatestPayment[] {
    return payments.sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || b.id.toHexString().localeCompare(a.id.toHexString())).slice(0, LATEST_PAYMENTS)
  }

  async function fromRaw (agencyId: ObjectId, periods: string[]): Promise<DashboardSource> {
    const [properties, units, ends, maintenanceOpen, resolutions, money] = await Promise.all([
      count(agencyId, 'properties'), count(agencyId, 'units'), count(agencyId, 'leaseEnds'), count(agencyId, 'maintenanceOpen'), count(agencyId, 'resolutions'), moneyFromLedgers(agencyId)
    ])
    const months = monthsOf(money.total)
    return {
      properties, units, leaseEnds: ends, maintenanceOpen, resolutions,
      outstandingByDueDay: Object.fromEntries(money.total.outstandingByDueDay),
      outstanding: money.total.outstanding,
      credit: money.total.credit,
      latestPayments: money.latest,
      months: pick(months, periods),
      dataMonths: rangeOf(Object.keys(months))
    }
  }

  async function fromSummaries (agencyId: ObjectId, periods: string[]): Promise<DashboardSource> {
    let summary = await summaries.get(agencyId)
    // Widgets never counted (an agency's first look), and windows of time counted
    // too long ago (no write and no reconciliation since): count them now, once.
    const staleBefore = Date.now() - WINDOW_RECOUNT_MS
    const due = ALL_WIDGETS.filter((widget) => summary?.[widget] === undefined ||
      (TIME_WINDOWED.has(widget) && (summary.countedAt?.[widget]?.getTime() ?? 0) < staleBefore))
    if (due.length > 0) {
      await recount(agencyId, due)
      summary = await summaries.get(agencyId)
    }
    const s: AgencySummaryRecord = summary ?? { _id: agencyId, updatedAt: new Date() }
    return {
      properties: s.properties ?? 0,
      units: s.units ?? NO_UNITS,
      leaseEnds: s.leaseEnds ?? { active: 0, endingByDay: {} },
      maintenanceOpen: s.maintenanceOpen ?? NO_OPEN_REQUESTS,
      resolutions: s.resolutions ?? { count: 0, medianHours: null },
      outstandingByDueDay: s.outstandingByDueDay ?? {},
      outstanding: s.outstanding ?? 0,
      credit: s.credit ?? 0,
      latestPayments: s.latestPayments ?? [],
      months: pick(s.months ?? {}, periods),
      dataMonths: rangeOf(Object.keys(s.months ?? {}))
    }
  }

  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
  /** Months as sorted "period kind" → amount pairs without zeros, for comparison. */
  const monthFigures = (months: Record<string, MonthFigures>) => nonZero(Object.fromEntries(Object.entries(months)
    .flatMap(([period, m]) => [[`${period} charged`, m.charged ?? 0], [`${period} collected`, m.collected ?? 0]])))
  const nonZero = (map: Record<string, number> | undefined) => Object.fromEntries(Object.entries(map ?? {}).filter(([, v]) => v !== 0).sort(([a], [b]) => a.localeCompare(b)))

  async function findDrift (agencyId: ObjectId): Promise<{ drift: Drift[], money: Awaited<ReturnType<typeof moneyFromLedgers>> }> {
    const [summary, money] = await Promise.all([summaries.get(agencyId), moneyFromLedgers(agencyId)])
    const drift: Drift[] = []
    for (const widget of ALL_WIDGETS.filter((w) => w !== 'resolutions')) {
      const actual = await count(agencyId, widget)
      const stored = summary?.[widget]
      if (!same(stored, actual)) drift.push({ widget, stored, actual })
    }
    const checks: Array<[string, unknown, unknown]> = [
      ['outstanding', summary?.outstanding ?? 0, money.total.outstanding],
      ['credit', summary?.credit ?? 0, money.total.credit],
      ['outstandingByDueDay', nonZero(summary?.outstandingByDueDay), nonZero(Object.fromEntries(money.total.outstandingByDueDay))],
      ['months', monthFigures(summary?.months ?? {}), monthFigures(monthsOf(money.total))],
      ['latestPayments', (summary?.latestPayments ?? []).map((p) => [p.id.toHexString(), p.status]), money.latest.map((p) => [p.id.toHexString(), p.status])]
    ]
    for (const [widget, stored, actual] of checks) if (!same(stored, actual)) drift.push({ widget, stored, actual })
    return { drift, money }
  }

  async function reconcile (agencyId: ObjectId): Promise<Drift[]> {
    // Windows of time move without writes: refresh them on every pass.
    await recount(agencyId, [...TIME_WINDOWED])
    const first = await findDrift(agencyId)
    if (first.drift.length === 0) return []
    // A write may have landed between reading the summaries and the raw data: look
    // again before calling it drift, so reconciliation never undoes a live write.
    const second = await findDrift(agencyId)
    if (second.drift.length === 0) return []
    fastify.log.warn({ agencyId: agencyId.toHexString(), drift: second.drift.map((d) => d.widget) }, 'rollup drift repaired')
    for (const d of second.drift) driftCounter.inc({ widget: d.widget })
    await recount(agencyId, ALL_WIDGETS)
    await summaries.replaceMoney(agencyId, second.money.total, second.money.latest)
    await dashboardCache.invalidate(agencyId.toHexString())
    return second.drift
  }

  fastify.decorate('rollups', {
    async afterWrite (agencyId, widgets) {
      await recount(agencyId, widgets)
      await dashboardCache.invalidate(agencyId.toHexString())
    },
    fromSummaries,
    fromRaw,
    reconcile
  })
}, { name: 'rollups', dependencies: ['repositories', 'ledger', 'dashboard-cache', 'metrics'] })
