// The units of an agency, laid out over its properties: blocks of flats and single houses,
// sizes summing to the plan's unit count. Not a collection of its own: the units, leases,
// money and maintenance generators all walk this layout (replayed, never stored), so a unit
// has the same id, property and dates in each of them.
import type { ObjectId } from 'mongodb'
import type { PropertyRecord } from '../../plugins/app/repositories/properties.ts'
import { addMs, DAY_MS, latest } from './dates.ts'
import type { SeedContext } from './generator.ts'
import { seededId } from './ids.ts'
import type { AgencyPlan } from './plan.ts'
import { properties } from './properties.ts'
import { rng, type Rng } from './prng.ts'

export interface UnitPlan {
  /** position in the agency's layout; ids and random streams are keyed by it */
  index: number
  id: ObjectId
  property: PropertyRecord
  label: string
  bedrooms: number
  bathrooms: number
  areaSqm: number | undefined
  /** today's (the anchor's) market rent */
  marketRent: number
  createdAt: Date
  /** archived units (with their property, or alone) have no tenancy after this */
  archivedAt: Date | null
}

const HOUSE_SHARE = 0.3
const MAX_BLOCK_WEIGHT = 30
const ARCHIVED_UNIT_SHARE = 0.01
// Monthly market rent in minor units: a base plus a step per bedroom, by currency.
const RENT_BY_CURRENCY: Record<string, { base: number, perBedroom: number }> = {
  USD: { base: 120_000, perBedroom: 60_000 },
  GBP: { base: 95_000, perBedroom: 45_000 },
  EUR: { base: 70_000, perBedroom: 35_000 }
}

/** How many units each property holds: houses one, blocks a share of the rest by weight. */
function propertySizes (agency: AgencyPlan, r: Rng): number[] {
  const weights: number[] = Array.from({ length: agency.properties }, () => r.chance(HOUSE_SHARE) ? 0 : r.int(1, MAX_BLOCK_WEIGHT))
  if (!weights.some((w) => w > 0)) weights.fill(1)
  const rest = agency.units - agency.properties
  const total = weights.reduce((a, b) => a + b, 0)
  const sizes = weights.map((w) => 1 + Math.floor((rest * w) / total))
  let left = agency.units - sizes.reduce((a, b) => a + b, 0)
  for (let i = 0; left > 0; i = (i + 1) % sizes.length) {
    if (weights[i]! > 0) {
      sizes[i]!++
      left--
    }
  }
  return sizes
}

export function * unitsOf (agency: AgencyPlan, context: SeedContext): Generator<UnitPlan> {
  const { plan } = context
  const r = rng(plan.seed, 'units', agency.index)
  const sizes = propertySizes(agency, r)
  const rents = RENT_BY_CURRENCY[agency.region.currency] ?? RENT_BY_CURRENCY.USD!
  let index = 0
  let p = 0
  for (const property of properties.generate(agency, context)) {
    const size = sizes[p++]!
    for (let k = 0; k < size; k++) {
      const createdAt = addMs(property.createdAt, Math.floor(r.next() * Math.min(2 * DAY_MS, plan.anchor.getTime() - property.createdAt.getTime())))
      const bedrooms = size === 1 ? r.int(2, 4) : r.int(0, 3)
      const archivedAlone = !property.archived && r.chance(ARCHIVED_UNIT_SHARE)
      const label = size === 1 ? 'Whole house' : property.kind === 'commercial' ? `Unit ${k + 1}` : `Flat ${Math.floor(k / 6) + 1}${'ABCDEF'[k % 6]}`
      yield {
        index,
        id: seededId(createdAt, 'units', agency.index, index),
        property,
        label,
        bedrooms,
        bathrooms: Math.max(1, Math.min(3, bedrooms - r.int(0, 1))),
        areaSqm: r.chance(0.8) ? 25 + bedrooms * 18 + r.int(0, 20) : undefined,
        marketRent: Math.round((rents.base + rents.perBedroom * bedrooms) * (0.85 + r.next() * 0.3) / 500) * 500,
        createdAt,
        archivedAt: property.archivedAt !== null ? latest(property.archivedAt, createdAt) : archivedAlone ? r.date(createdAt, plan.anchor) : null
      }
      index++
    }
  }
}
