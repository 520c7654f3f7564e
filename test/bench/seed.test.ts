// The seed. Its generators: the same seed gives the same documents, another seed other ones,
// counts match the plan, ids are unique and references resolve, the lease, unit and money
// documents agree the way the application leaves them, and every document presents as a valid
// API response. A seeded dataset serves a correct dashboard at once (no recount, no drift).
// The demo agency: seed-demo.test.ts.
import { test } from 'tap'
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { createHash } from 'node:crypto'
import { BSON, MongoClient, ObjectId, type Document } from 'mongodb'
import { testContext } from '../helper.ts'
import { dashboardMatches } from '../support/dashboard-oracle.ts'
import { moneyProblems, type LeaseMoney } from '../support/money-invariants.ts'
import { migrationPool } from '../../migrations/index.ts'
import { Agency } from '../../schemas/agency.ts'
import { presentAgency } from '../../plugins/app/repositories/agencies.ts'
import { Charge } from '../../schemas/charge.ts'
import { presentCharge } from '../../plugins/app/repositories/charges.ts'
import { Lease } from '../../schemas/lease.ts'
import { presentLease } from '../../plugins/app/repositories/leases.ts'
import { MaintenanceRequest } from '../../schemas/maintenance-request.ts'
import { presentMaintenanceRequest } from '../../plugins/app/repositories/maintenance-requests.ts'
import { Payment } from '../../schemas/payment.ts'
import { presentPayment } from '../../plugins/app/repositories/payments.ts'
import { Property } from '../../schemas/property.ts'
import { presentProperty } from '../../plugins/app/repositories/properties.ts'
import { Tenant } from '../../schemas/tenant.ts'
import { presentTenant } from '../../plugins/app/repositories/tenants.ts'
import { Unit } from '../../schemas/unit.ts'
import { presentUnit } from '../../plugins/app/repositories/units.ts'
import { User } from '../../schemas/user.ts'
import { presentUser } from '../../plugins/app/repositories/users.ts'
import { ensureDataset } from '../../scripts/seed/dataset.ts'
import { GENERATORS } from '../../scripts/seed/generators.ts'
import { BENCH_PASSWORD, scalePlan, SCALES, type ScaleName } from '../../scripts/seed/plan.ts'
import { LONG_LEDGER_ITEMS } from '../../scripts/seed/ledger-history.ts'
import { plannedCounts } from '../../scripts/seed/writer.ts'

type Docs = Record<string, Document[]>

function generate (scale: ScaleName, seed: number): Docs {
  const plan = scalePlan(scale, seed)
  const context = { plan, passwordHash: '$argon2id$stand-in' }
  return Object.fromEntries(GENERATORS.map((g) => [g.collection, plan.agencies.flatMap((agency) => [...g.generate(agency, context)])]))
}

const XS = generate('XS', 1)
const ANCHOR = scalePlan('XS', 1).anchor
const hex = (id: unknown) => id instanceof ObjectId ? id.toHexString() : String(id)
const byLease = (docs: Document[]) => Map.groupBy(docs, (d) => hex(d.leaseId))

/** A digest of a collection's documents, exact to the byte (deep comparisons of this much data take minutes). */
function digest (docs: Document[]): string {
  const hash = createHash('sha256')
  for (const doc of docs) hash.update(BSON.serialize(doc))
  return hash.digest('hex')
}

test('the same seed gives the same data, another seed other data', async (t) => {
  const again = generate('XS', 1)
  for (const [collection, docs] of Object.entries(XS)) t.equal(digest(again[collection]!), digest(docs), `seed 1 twice: the same ${collection}`)
  const other = generate('XS', 2)
  for (const collection of ['properties', 'leases', 'charges', 'payments']) t.not(digest(other[collection]!), digest(XS[collection]!), `seed 2: other ${collection}`)
})

test('the scales plan what the issue asks', async (t) => {
  const s = scalePlan('S', 1)
  t.equal(s.agencies.length, SCALES.S.large.length, 'S has its five agencies')
  t.equal(s.agencies.reduce((sum, a) => sum + a.units, 0), 2_000, 'S plans 2,000 units')
  const l = scalePlan('L', 1)
  t.equal(l.agencies.length, 1_001, 'L: one large agency and 1,000 small ones')
  t.equal(l.agencies[0]!.units, 20_000, 'L: the large agency has 20,000 units')
  t.ok(l.agencies.slice(1).every((a) => a.units >= 2 && a.units <= 10), 'L: the small agencies have a handful of units each')
})

test('counts match the plan, ids are unique, references resolve', async (t) => {
  const plan = scalePlan('XS', 1)
  t.same(Object.fromEntries(Object.entries(XS).map(([c, list]) => [c, list.length])), plannedCounts({ plan, passwordHash: '' }))
  const ids = (collection: string) => new Set(XS[collection]!.map((d) => hex(d._id)))
  const agencyIds = ids('agencies')
  for (const [collection, list] of Object.entries(XS)) {
    t.equal(new Set(list.map((d) => hex(d._id))).size, list.length, `${collection}: unique _id`)
    if (collection === 'agency_summaries') t.ok(list.every((d) => agencyIds.has(hex(d._id))), 'agency_summaries: one per agency, by its id')
    else if (collection !== 'agencies') t.ok(list.every((d) => agencyIds.has(hex(d.agencyId))), `${collection}: agencyId of a seeded agency`)
  }
  t.equal(new Set(XS.users!.map((u) => `${hex(u.agencyId)}/${u.email}`)).size, XS.users!.length, 'user emails are unique within each agency (a unique index)')
  const [properties, units, tenants, leases, ledgers, users] = ['properties', 'units', 'tenants', 'leases', 'ledgers', 'users'].map(ids)
  t.ok(XS.units!.every((u) => properties!.has(hex(u.propertyId))), 'units: in a seeded property')
  t.equal(new Set(XS.units!.map((u) => `${hex(u.propertyId)}/${u.label}`)).size, XS.units!.length, 'units: labels unique per property (a unique index)')
  t.ok(XS.leases!.every((l) => units!.has(hex(l.unitId)) && properties!.has(hex(l.propertyId)) && l.tenantIds.every((id: ObjectId) => tenants!.has(hex(id)))), 'leases: their unit, property and tenants exist')
  t.ok(XS.ledgers!.every((l) => leases!.has(hex(l._id))), 'ledgers: one per lease, by its id')
  for (const collection of ['charges', 'payments']) t.ok(XS[collection]!.every((d) => ledgers!.has(hex(d.leaseId))), `${collection}: of a seeded ledger`)
  t.ok(XS.maintenance_requests!.every((r) => properties!.has(hex(r.propertyId)) && (r.unitId === null || units!.has(hex(r.unitId))) &&
    (r.tenantId === null || tenants!.has(hex(r.tenantId))) && (r.assigneeId === null || users!.has(hex(r.assigneeId)))), 'maintenance: its property, unit, tenant and assignee exist')
})

test('leases, units and money agree as the application leaves them', async (t) => {
  const leases = XS.leases!
  const active = leases.filter((l) => l.status === 'active')
  const statuses = Map.groupBy(leases, (l) => l.status as string)
  t.ok(active.length > leases.length / 2, 'mostly active leases', { statuses: Object.fromEntries([...statuses].map(([s, l]) => [s, l.length])) })
  for (const status of ['ended', 'terminated', 'draft']) t.ok((statuses.get(status)?.length ?? 0) > 0, `some ${status} leases`)
  t.ok(leases.every((l) => l.status === 'active' ? hex(l.activeUnitId) === hex(l.unitId) : l.activeUnitId === undefined), 'activeUnitId only on active leases, equal to the unit')
  t.equal(new Set(active.map((l) => hex(l.unitId))).size, active.length, 'one active lease per unit (the unique index)')
  t.ok(active.every((l) => (l.endDate === null || l.endDate >= ANCHOR) && (l.nextRentDueDate === null ? l.endDate !== null : l.nextRentDueDate >= ANCHOR)), 'active leases: not past their end; next rent due from the anchor on (none left before the end date)')
  t.ok(leases.every((l) => l.status === 'active' || l.nextRentDueDate === null), 'only active leases have a next rent date')

  const leased = new Set(active.map((l) => hex(l.unitId)))
  t.ok(XS.units!.every((u) => ['occupied', 'notice'].includes(u.status) === leased.has(hex(u._id))), 'units are occupied (or on notice) exactly when a lease is active')
  t.ok(XS.units!.every((u) => !u.archived || !leased.has(hex(u._id))), 'no archived unit has an active lease')

  const charges = byLease(XS.charges!)
  const payments = byLease(XS.payments!)
  const problems = XS.ledgers!.flatMap((ledger) => {
    const money: LeaseMoney = { ledger: ledger as LeaseMoney['ledger'], charges: (charges.get(hex(ledger._id)) ?? []) as LeaseMoney['charges'], payments: (payments.get(hex(ledger._id)) ?? []) as LeaseMoney['payments'] }
    const keys = ledger.charges.filter((c: Document) => c.key !== null).map((c: Document) => c.key)
    return [...moneyProblems(money), ...(new Set(keys).size === keys.length ? [] : ['a rent period charged twice'])].map((p) => `${hex(ledger._id)}: ${p}`)
  })
  t.same(problems, [], 'every ledger agrees with its charges and payments')
  t.ok(XS.ledgers!.every((l) => l.dirtySince === null && l.version >= l.charges.length + l.payments.length), 'ledgers are fully projected')
  t.ok(XS.charges!.some((c) => c.status === 'open' && c.overdue), 'some rent is in arrears')
  t.ok(XS.charges!.some((c) => c.status === 'voided'), 'some charges were voided')
  t.ok(XS.payments!.some((p) => p.status === 'reversed'), 'some payments bounced')
  t.ok(XS.ledgers!.some((l) => l.credit > 0), 'some tenants are in credit')
  const open = XS.maintenance_requests!.filter((r) => ['open', 'in_progress', 'on_hold'].includes(r.status))
  t.ok(open.length > 0 && XS.maintenance_requests!.some((r) => r.status === 'resolved'), 'maintenance: open and resolved requests')
  t.ok(XS.maintenance_requests!.every((r) => (r.status === 'resolved') === (r.resolvedAt instanceof Date)), 'resolvedAt exactly on resolved requests')

  for (const [collection, list] of Object.entries(XS)) {
    const dated = list.filter((d) => d.createdAt instanceof Date)
    t.ok(dated.every((d) => d.createdAt < ANCHOR && d.updatedAt >= d.createdAt && d.updatedAt < ANCHOR), `${collection}: created and updated before the anchor, in that order`)
  }
})

test('the largest agency\'s long leases hold 10,000 items, their ledgers folded as the application folds them', async (t) => {
  const plan = scalePlan('XS', 1)
  const long = XS.ledgers!.filter((l) => l.carried.charges + l.carried.payments > 0)
  t.equal(long.length, plan.agencies[0]!.longLedgers, 'one folded ledger per long lease')
  const byLeaseCount = (docs: Document[]) => Map.groupBy(docs, (d) => hex(d.leaseId))
  const [charges, payments] = [byLeaseCount(XS.charges!), byLeaseCount(XS.payments!)]
  for (const ledger of long) {
    const items = (charges.get(hex(ledger._id))?.length ?? 0) + (payments.get(hex(ledger._id))?.length ?? 0)
    t.ok(items >= LONG_LEDGER_ITEMS - 1 && items <= LONG_LEDGER_ITEMS + 1, `lease ${hex(ledger._id)}: ${items} charges and payments`)
    t.equal(ledger.carried.charges + ledger.carried.payments + ledger.charges.length + ledger.payments.length, items, 'every item folded or kept')
    t.ok(BSON.calculateObjectSize(ledger) < 200_000, `its ledger document is ${BSON.calculateObjectSize(ledger).toLocaleString('en-US')} bytes`)
  }
})

test('every document presents as a valid API response', async (t) => {
  const check = <T>(name: string, schema: TSchema, present: (record: T) => unknown) => {
    const list = XS[name]!
    const bad = list.map((d) => present(d as T)).filter((item) => !Value.Check(schema, item))
    t.equal(bad.length, 0, `${name}: all ${list.length} valid`, { first: bad[0], errors: bad[0] === undefined ? [] : [...Value.Errors(schema, bad[0])].slice(0, 3) })
  }
  check('agencies', Agency, presentAgency)
  check('users', User, presentUser)
  check('properties', Property, presentProperty)
  check('units', Unit, presentUnit)
  check('tenants', Tenant, presentTenant)
  check('leases', Lease, presentLease)
  check('charges', Charge, presentCharge)
  check('payments', Payment, presentPayment)
  check('maintenance_requests', MaintenanceRequest, presentMaintenanceRequest)
  const property = XS.properties![0]!
  t.ok(property.createdAt instanceof Date && property.agencyId instanceof ObjectId && typeof property.archived === 'boolean', 'dates are Dates, ids ObjectIds, archived a boolean')
})

test('a seeded dataset serves a correct dashboard at once, with no drift to repair', async (t) => {
  const context = await testContext(t)
  const client = new MongoClient(context.env.MONGODB_URL!)
  const pool = migrationPool(context.env.DATABASE_URL!)
  t.teardown(async () => { await Promise.all([client.close(), pool.end()]) })
  const plan = scalePlan('XS', 1)

  const first = await ensureDataset(client.db(), pool, plan)
  t.equal(first.reused, false, 'seeded')
  t.same(first.marker.report?.counts, plannedCounts({ plan, passwordHash: '' }), 'the report counts what the plan said')
  t.ok(first.marker.report!.docsPerSecond > 0, 'and the rate')
  t.equal((await ensureDataset(client.db(), pool, plan)).reused, true, 'a second call reuses it')
  t.equal(await client.db().collection('charges').countDocuments(), XS.charges!.length, 'every charge is stored')

  const app = await context.build()
  for (const agency of plan.agencies) {
    const agencyId = agency.id.toHexString()
    await dashboardMatches(t, app, agency.ownerEmail, BENCH_PASSWORD, agencyId)
    // The month before the anchor holds money whatever today is.
    await dashboardMatches(t, app, agency.ownerEmail, BENCH_PASSWORD, agencyId, '?period=2025-12')
    t.same(await app.rollups.reconcile(agency.id), [], `${agency.name}: the summaries need no repair`)
  }
  const owner = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: plan.agencies[0]!.ownerEmail, password: BENCH_PASSWORD } })
  const headers = { authorization: `Bearer ${owner.json().accessToken}` }
  for (const url of ['/v1/leases?status=active', '/v1/charges?status=open&overdue=true', '/v1/payments?status=reversed', '/v1/tenants', '/v1/units?status=occupied', '/v1/maintenance-requests?status=open']) {
    const page = await app.inject({ method: 'GET', url, headers })
    t.ok(page.statusCode === 200 && page.json().items.length > 0, `GET ${url} lists seeded items`)
  }
})
