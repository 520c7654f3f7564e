// maintenance_requests: requests reported over each unit's history (and some for a building's
// common parts), at a steady rate (plugins/app/repositories/maintenance-requests.ts). Older
// ones are resolved, after a time that follows their priority (the dashboard's 30-day median
// reads resolvedAt - reportedAt), or cancelled; recent ones are still open, in progress or on
// hold, and a few old ones never got done.
import type { ObjectId } from 'mongodb'
import { PRIORITY_RANK, type MaintenanceRequestRecord, type MaintenanceStatus, type Priority } from '../../plugins/app/repositories/maintenance-requests.ts'
import { addMs, beforeAnchor, DAY_MS, HOUR_MS, latest, MINUTE_MS } from './dates.ts'
import type { Generator, SeedContext } from './generator.ts'
import { censusOf } from './census.ts'
import { seededId } from './ids.ts'
import type { AgencyPlan } from './plan.ts'
import { rng, type Rng } from './prng.ts'
import { properties } from './properties.ts'
import { historyStart, tenanciesOf, type LeasePlan } from './tenancies.ts'
import { users } from './users.ts'

const YEAR_MS = 365.25 * DAY_MS
const PER_UNIT_YEAR = 0.3
const PER_PROPERTY_YEAR = 0.2
const NEVER_DONE_SHARE = 0.03
const PRIORITIES: ReadonlyArray<[Priority, number]> = [['urgent', 0.08], ['high', 0.2], ['normal', 0.5], ['low', 0.22]]
// Hours from report to resolution, by priority: [min, max].
const RESOLUTION_HOURS: Record<Priority, [number, number]> = { urgent: [1, 24], high: [8, 96], normal: [24, 240], low: [72, 720] }
const UNIT_ISSUES = [
  ['Leaking tap in the kitchen', 'The kitchen tap drips constantly, even when closed tightly.'],
  ['No hot water', 'The boiler shows an error code and there is no hot water.'],
  ['Broken window latch', 'The bedroom window latch is broken and the window will not lock.'],
  ['Mould in the bathroom', 'Black mould is spreading on the bathroom ceiling.'],
  ['Faulty smoke alarm', 'The smoke alarm in the hallway beeps every few minutes.'],
  ['Blocked drain', 'The shower drain is blocked and water drains very slowly.'],
  ['Oven not heating', 'The oven turns on but does not heat up.'],
  ['Front door lock sticking', 'The key turns with difficulty in the front door lock.']
] as const
const COMMON_ISSUES = [
  ['Stairwell light out', 'The light on the second-floor landing does not work.'],
  ['Entrance door not closing', 'The building entrance door does not close by itself.'],
  ['Bins not collected', 'The communal bins have not been emptied for two weeks.'],
  ['Lift out of order', 'The lift stops between floors.']
] as const
const OPEN_STATUSES: readonly MaintenanceStatus[] = ['open', 'open', 'open', 'in_progress', 'in_progress', 'on_hold']

function priorityOf (r: Rng): Priority {
  let roll = r.next()
  for (const [priority, share] of PRIORITIES) {
    if (roll < share) return priority
    roll -= share
  }
  return 'normal'
}

/** The next report time after `from`, for a rate per year (exponential gaps). */
function nextReport (from: Date, perYear: number, r: Rng): Date {
  return addMs(from, Math.floor(-Math.log(1 - r.next()) * (YEAR_MS / perYear)))
}

interface Place { propertyId: ObjectId, unitId: ObjectId | null, leases: readonly LeasePlan[] }

interface Reporting { agency: AgencyPlan, anchor: Date, assignees: ObjectId[], nextId: (createdAt: Date) => ObjectId }

function * requestsAt (place: Place, from: Date, until: Date, perYear: number, issues: ReadonlyArray<readonly [string, string]>, r: Rng, { agency, anchor, assignees, nextId }: Reporting): Iterable<MaintenanceRequestRecord> {
  for (let reportedAt = nextReport(from, perYear, r); reportedAt < until; reportedAt = nextReport(reportedAt, perYear, r)) {
    const [title, description] = r.pick(issues)
    const priority = priorityOf(r)
    const [min, max] = RESOLUTION_HOURS[priority]
    const createdAt = beforeAnchor(addMs(reportedAt, r.int(0, 120) * MINUTE_MS), anchor)
    const doneAt = latest(addMs(reportedAt, Math.round((min + r.next() * (max - min)) * HOUR_MS)), addMs(createdAt, MINUTE_MS))
    const neverDone = r.chance(NEVER_DONE_SHARE)
    const status: MaintenanceStatus = doneAt < anchor && !neverDone ? (r.chance(0.92) ? 'resolved' : 'cancelled') : r.pick(OPEN_STATUSES)
    const closed = status === 'resolved' || status === 'cancelled'
    const updatedAt = closed ? doneAt : beforeAnchor(addMs(createdAt, r.int(0, 48) * HOUR_MS), anchor)
    const archived = status === 'cancelled' && r.chance(0.5)
    const tenant = place.unitId !== null && r.chance(0.8)
      ? place.leases.find((l) => l.activatedAt !== null && l.activatedAt <= reportedAt && (l.endedAt === null || l.endedAt > reportedAt))?.tenants[0]?.id ?? null
      : null
    yield {
      _id: nextId(createdAt),
      agencyId: agency.id,
      propertyId: place.propertyId,
      unitId: place.unitId,
      tenantId: tenant,
      title,
      description,
      priority,
      priorityRank: PRIORITY_RANK[priority],
      status,
      assigneeId: assignees.length > 0 && r.chance(closed ? 0.8 : 0.5) ? r.pick(assignees) : null,
      reportedAt,
      ...(status === 'resolved' ? { resolvedAt: doneAt } : {}),
      archived,
      archivedAt: archived ? updatedAt : null,
      createdAt,
      updatedAt
    }
  }
}

function * requestsOf (agency: AgencyPlan, context: SeedContext): Iterable<MaintenanceRequestRecord> {
  const { anchor, seed } = context.plan
  const start = historyStart(anchor)
  // Requests are assigned to active staff who may take them (manager or above).
  const assignees = [...users.generate(agency, context)].filter((u) => u.status === 'active' && u.role !== 'viewer').map((u) => u._id)
  let index = 0
  const reporting = { agency, anchor, assignees, nextId: (createdAt: Date) => seededId(createdAt, 'maintenance_requests', agency.index, index++) }

  for (const { unit, leases } of tenanciesOf(agency, context)) {
    const r = rng(seed, 'maintenance', agency.index, unit.index)
    const place = { propertyId: unit.property._id, unitId: unit.id, leases }
    yield * requestsAt(place, latest(unit.createdAt, start), unit.archivedAt ?? anchor, PER_UNIT_YEAR, UNIT_ISSUES, r, reporting)
  }
  let p = 0
  for (const property of properties.generate(agency, context)) {
    const r = rng(seed, 'maintenance-common', agency.index, p++)
    const place = { propertyId: property._id, unitId: null, leases: [] }
    yield * requestsAt(place, latest(property.createdAt, start), property.archivedAt ?? anchor, PER_PROPERTY_YEAR, COMMON_ISSUES, r, reporting)
  }
}

export const maintenanceRequests: Generator<MaintenanceRequestRecord> = {
  collection: 'maintenance_requests',
  version: 1,
  count: (agency, context) => censusOf(agency, context).counts.maintenance_requests!,
  generate: requestsOf
}
