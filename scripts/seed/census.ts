// What an agency's dataset holds, worked out once per agency and plan by one pass over its
// generated history: the number of documents of each collection (for the plan's counts and the
// progress bar) and the dashboard's summary figures, made with the application's own rollup
// functions (contributionOf, addContribution, the recount shapers) exactly as its
// reconciliation would store them, so a dashboard read right after seeding needs no recount.
import type { AgencySummaryRecord, LatestPayment } from '../../plugins/app/repositories/agency-summaries.ts'
import { LATEST_PAYMENTS, monthsOf } from '../../plugins/app/repositories/agency-summaries.ts'
import { addContribution, contributionOf, dayOf, emptyContribution, shownPayments } from '../../plugins/app/rollups/money-contribution.ts'
import { leaseEnds, priorityCounts, resolutionStats, unitCounts } from '../../plugins/app/rollups/source.ts'
import { ALL_WIDGETS } from '../../plugins/app/rollups/index.ts'
import { DAY_MS } from './dates.ts'
import type { SeedContext } from './generator.ts'
import { maintenanceRequests } from './maintenance-requests.ts'
import { ledgersOf } from './money.ts'
import type { AgencyPlan, SeedPlan } from './plan.ts'
import { properties } from './properties.ts'
import { tenanciesOf } from './tenancies.ts'

export interface AgencyCensus {
  counts: Record<string, number>
  summary: AgencySummaryRecord
}

// The rollups' own limits (plugins/app/rollups/index.ts): 30 days of resolutions, at most 5,000.
const RESOLUTION_WINDOW_MS = 30 * DAY_MS
const MAX_RESOLUTIONS = 5_000
const OPEN_REQUEST_STATUSES = new Set(['open', 'in_progress', 'on_hold'])

const memo = new WeakMap<SeedPlan, Map<number, AgencyCensus>>()

function increment (map: Map<string | null, number>, key: string | null): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

/** Newest first, as the reconciliation orders them. */
function newest (payments: LatestPayment[]): LatestPayment[] {
  return payments.sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || b.id.toHexString().localeCompare(a.id.toHexString())).slice(0, LATEST_PAYMENTS)
}

function take (agency: AgencyPlan, context: SeedContext): AgencyCensus {
  const { anchor } = context.plan
  const counts: Record<string, number> = { units: 0, tenants: 0, leases: 0, ledgers: 0, charges: 0, payments: 0, maintenance_requests: 0 }

  const unitsByStatus = new Map<string | null, number>()
  const activeByEndDate = new Map<string | null, number>()
  for (const { unit, leases, status } of tenanciesOf(agency, context)) {
    counts.units!++
    if (unit.archivedAt === null) increment(unitsByStatus, status)
    for (const lease of leases) {
      counts.leases!++
      counts.tenants! += lease.tenants.length
      if (lease.status === 'active') increment(activeByEndDate, lease.endDate === null ? null : dayOf(lease.endDate))
    }
  }

  const money = emptyContribution()
  let latest: LatestPayment[] = []
  for (const ledger of ledgersOf(agency, context)) {
    counts.ledgers!++
    counts.charges! += ledger.charges.length
    counts.payments! += ledger.payments.length
    addContribution(money, contributionOf(ledger))
    latest.push(...shownPayments(ledger))
    if (latest.length > LATEST_PAYMENTS * 4) latest = newest(latest)
  }

  const openByPriority = new Map<string | null, number>()
  const resolutions: Array<{ reportedAt: Date, resolvedAt: Date }> = []
  for (const request of maintenanceRequests.generate(agency, context)) {
    counts.maintenance_requests!++
    if (!request.archived && OPEN_REQUEST_STATUSES.has(request.status)) increment(openByPriority, request.priority)
    if (request.status === 'resolved' && request.resolvedAt !== undefined && request.resolvedAt.getTime() >= anchor.getTime() - RESOLUTION_WINDOW_MS) {
      resolutions.push({ reportedAt: request.reportedAt, resolvedAt: request.resolvedAt })
    }
  }
  resolutions.sort((a, b) => b.resolvedAt.getTime() - a.resolvedAt.getTime())

  const currentProperties = [...properties.generate(agency, context)].filter((p) => !p.archived).length
  // Counted "at the anchor": any recount the application makes later is newer and wins.
  const summary: AgencySummaryRecord = {
    _id: agency.id,
    properties: currentProperties,
    units: unitCounts(unitsByStatus),
    leaseEnds: leaseEnds(activeByEndDate, anchor),
    maintenanceOpen: priorityCounts(openByPriority),
    resolutions: resolutionStats(resolutions.slice(0, MAX_RESOLUTIONS)),
    countedAt: Object.fromEntries(ALL_WIDGETS.map((widget) => [widget, anchor])),
    months: monthsOf(money),
    outstandingByDueDay: Object.fromEntries([...money.outstandingByDueDay].filter(([, amount]) => amount !== 0)),
    outstanding: money.outstanding,
    credit: money.credit,
    latestPayments: newest(latest),
    updatedAt: anchor
  }
  return { counts, summary }
}

/** The census of an agency under a plan, taken on first use and kept while the plan lives. */
export function censusOf (agency: AgencyPlan, context: SeedContext): AgencyCensus {
  let byAgency = memo.get(context.plan)
  if (byAgency === undefined) {
    byAgency = new Map()
    memo.set(context.plan, byAgency)
  }
  let census = byAgency.get(agency.index)
  if (census === undefined) {
    census = take(agency, context)
    byAgency.set(agency.index, census)
  }
  return census
}
