// The seed's generators: the same seed gives the same documents, another seed other ones,
// ids are unique, and every document presents as a valid API response (so it has exactly the
// shape its repository writes).
import { test } from 'tap'
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { Agency, presentAgency } from '../../schemas/agency.ts'
import { presentProperty, Property } from '../../schemas/property.ts'
import { presentUser, User } from '../../schemas/user.ts'
import { GENERATORS } from '../../scripts/seed/generators.ts'
import { scalePlan, SCALES, type ScaleName } from '../../scripts/seed/plan.ts'
import { plannedCounts } from '../../scripts/seed/writer.ts'
import type { AgencyRecord } from '../../plugins/app/repositories/agencies.ts'
import type { PropertyRecord } from '../../plugins/app/repositories/properties.ts'
import type { UserRecord } from '../../plugins/app/repositories/users.ts'
import type { Document } from 'mongodb'

function generate (scale: ScaleName, seed: number): Record<string, Document[]> {
  const plan = scalePlan(scale, seed)
  const context = { plan, passwordHash: '$argon2id$stand-in' }
  return Object.fromEntries(GENERATORS.map((g) => [g.collection, plan.agencies.flatMap((agency) => [...g.generate(agency, context)])]))
}

test('the same seed gives the same data, another seed other data', async (t) => {
  const first = generate('S', 7)
  t.same(generate('S', 7), first, 'seed 7 twice')
  t.notSame(generate('S', 8).properties, first.properties, 'seed 8 differs')
})

test('counts match the plan, ids are unique, references point at seeded agencies', async (t) => {
  const plan = scalePlan('S', 1)
  const docs = generate('S', 1)
  t.same(Object.fromEntries(Object.entries(docs).map(([c, list]) => [c, list.length])), plannedCounts({ plan, passwordHash: '' }))
  t.equal(plan.agencies.length, SCALES.S.large.length, 'S has its five agencies')
  t.equal(plan.agencies.reduce((sum, a) => sum + a.units, 0), 2_000, 'S plans 2,000 units')
  const agencyIds = new Set(docs.agencies!.map((a) => a._id.toHexString()))
  for (const [collection, list] of Object.entries(docs)) {
    t.equal(new Set(list.map((d) => d._id.toHexString())).size, list.length, `${collection}: unique _id`)
    if (collection !== 'agencies') t.ok(list.every((d) => agencyIds.has(d.agencyId.toHexString())), `${collection}: agencyId of a seeded agency`)
  }
  t.equal(new Set(docs.users!.map((u) => u.email)).size, docs.users!.length, 'emails are unique (a unique index)')
})

test('every document presents as a valid API response', async (t) => {
  const docs = generate('S', 3)
  const check = <T>(name: string, schema: TSchema, present: (record: T) => unknown, list: Document[]) => {
    const bad = list.map((d) => present(d as T)).filter((item) => !Value.Check(schema, item))
    t.equal(bad.length, 0, `${name}: all ${list.length} valid`, { first: bad[0], errors: bad[0] === undefined ? [] : [...Value.Errors(schema, bad[0])].slice(0, 3) })
  }
  check<AgencyRecord>('agencies', Agency, presentAgency, docs.agencies!)
  check<UserRecord>('users', User, presentUser, docs.users!)
  check<PropertyRecord>('properties', Property, presentProperty, docs.properties!)
  const property = docs.properties![0] as PropertyRecord
  t.ok(property.createdAt instanceof Date && property.agencyId !== undefined && typeof property.archived === 'boolean', 'dates are Dates, archived a boolean')
})
