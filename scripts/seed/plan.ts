// What a dataset holds, decided before anything is written: the agencies of a scale with the
// size of each. Generators (one module per collection) turn each agency's plan into documents,
// so counts are known up front (for the progress bar) and every generator sees the same plan.
import type { ObjectId } from 'mongodb'
import { seededId } from './ids.ts'
import { AGENCY_KINDS, AGENCY_WORDS, REGIONS, type Region } from './places.ts'
import { rng } from './prng.ts'

// The targets: S is 5 agencies with ~2k units in all; L is one agency with 20k units
// (about 25k leases and 1.5M charges and payments over 5 years) plus 1,000 small agencies of a
// handful of units each. M sits between (a quarter of L's large agency, a fifth of its small
// ones). XS is the smoke test's (npm run bench -- --quick, the seed test): seconds to seed,
// still two agencies. The largest agency also holds `longLedgers` leases with a long money
// history (ledger-history.ts: 10,000 items each), for the payments-post-long-ledger bench.
export const SCALES = {
  XS: { large: [120, 60], longLedgers: 2, small: { count: 0, minUnits: 0, maxUnits: 0 } },
  S: { large: [800, 500, 350, 250, 100], longLedgers: 10, small: { count: 0, minUnits: 0, maxUnits: 0 } },
  M: { large: [5_000], longLedgers: 10, small: { count: 200, minUnits: 2, maxUnits: 10 } },
  L: { large: [20_000], longLedgers: 10, small: { count: 1_000, minUnits: 2, maxUnits: 10 } }
} as const

export type ScaleName = keyof typeof SCALES

export function isScale (value: string): value is ScaleName {
  return Object.hasOwn(SCALES, value)
}

/** Units per property on average: a portfolio of small blocks and houses. */
export const UNITS_PER_PROPERTY = 8

export interface AgencyPlan {
  index: number
  id: ObjectId
  name: string
  createdAt: Date
  region: Region
  /** the cities this agency works in; its properties are spread over them, the first most */
  cities: Region['cities']
  /** the size every generator scales from */
  units: number
  properties: number
  /** users besides the owner */
  staff: number
  /** the owner's login; every seeded user has the plan's password */
  ownerEmail: string
  /** the active leases of this many of its first units hold a long money history */
  longLedgers: number
}

export interface SeedPlan {
  /** a scale name, or 'demo' */
  name: string
  seed: number
  /** "now" of the dataset: dates are placed relative to it, never to the clock, so a seed is reproducible */
  anchor: Date
  password: string
  agencies: AgencyPlan[]
}

export const DEFAULT_ANCHOR = new Date('2026-01-01T00:00:00Z')
/** Leases, money and maintenance cover this many years before the anchor (units older than that start their history there). */
export const HISTORY_YEARS = 5
export const BENCH_PASSWORD = 'bench-password-not-secret'

const YEAR_MS = 365.25 * 24 * 3600 * 1000

export interface AgencyShape {
  name?: string
  units: number
  ownerEmail?: string
  region?: Region
  longLedgers?: number
}

export function agencyPlan (seed: number, index: number, shape: AgencyShape, anchor: Date): AgencyPlan {
  const r = rng(seed, 'agency', index)
  const region = shape.region ?? r.pick(REGIONS)
  // Large agencies work in many cities, small ones in one to three.
  const cityCount = Math.min(region.cities.length, shape.units >= 1_000 ? region.cities.length : r.int(1, 3))
  const start = r.int(0, region.cities.length - 1)
  const cities = Array.from({ length: cityCount }, (_, i) => region.cities[(start + i) % region.cities.length]!)
  // Agencies joined over the ten years before the anchor; a ledger of five years fits after that.
  const createdAt = r.date(new Date(anchor.getTime() - 10 * YEAR_MS), new Date(anchor.getTime() - 5 * YEAR_MS))
  return {
    index,
    id: seededId(createdAt, 'agencies', index, 0),
    name: shape.name ?? `${r.pick(AGENCY_WORDS)} ${r.pick(AGENCY_KINDS)} ${index + 1}`,
    createdAt,
    region,
    cities,
    units: shape.units,
    properties: Math.ceil(shape.units / UNITS_PER_PROPERTY),
    staff: Math.floor(shape.units / 500),
    ownerEmail: shape.ownerEmail ?? `owner-${index + 1}@bench.haven.example`,
    longLedgers: shape.longLedgers ?? 0
  }
}

export function scalePlan (scale: ScaleName, seed: number, anchor = DEFAULT_ANCHOR): SeedPlan {
  const { large, longLedgers, small } = SCALES[scale]
  const sizes = rng(seed, 'sizes')
  const shapes: AgencyShape[] = [
    ...large.map((units, i) => ({ units, longLedgers: i === 0 ? longLedgers : 0 })),
    ...Array.from({ length: small.count }, () => ({ units: sizes.int(small.minUnits, small.maxUnits) }))
  ]
  return {
    name: scale,
    seed,
    anchor,
    password: BENCH_PASSWORD,
    agencies: shapes.map((shape, index) => agencyPlan(seed, index, shape, anchor))
  }
}
