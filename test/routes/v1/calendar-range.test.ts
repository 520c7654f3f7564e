// Every date and instant the API takes lies within 1900-01-01 … 2099-12-31: a date
// outside answers 400 VALIDATION_ERROR naming the field, and nothing is written.
import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build } from '../../helper.ts'
import { signup } from '../../support/session.ts'
import { createProperty, createTenant, createUnit, leasedUnit } from '../../support/portfolio.ts'

test('dates outside the calendar range are refused in every schema that takes one', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Calendar Lettings')
  const { lease, unit } = await leasedUnit(owner, 'C1')
  const property = await createProperty(owner, 'Spare')
  const spare = await createUnit(owner, property.id, 'S1')
  const tenant = await createTenant(owner)
  const draft = { unitId: spare.id, tenantIds: [tenant.id], rent: 50_000, endDate: null }

  const refused = async (label: string, send: () => ReturnType<typeof owner.get>, field: string) => {
    const response = await send()
    t.equal(response.statusCode, 400, `${label}: 400`)
    t.equal(response.json().code, 'VALIDATION_ERROR', `${label}: VALIDATION_ERROR`)
    t.match(response.json().details?.[0]?.path ?? '', field, `${label}: names ${field}`)
  }
  for (const date of ['0100-03-01', '1899-12-31', '2100-01-01', '9999-12-31']) {
    await refused(`lease startDate ${date}`, () => owner.post('/v1/leases', { ...draft, startDate: date }), 'startDate')
    await refused(`lease endDate ${date}`, () => owner.post('/v1/leases', { ...draft, startDate: '2026-01-01', endDate: date }), 'endDate')
    await refused(`lease patch endDate ${date}`, () => owner.patch(`/v1/leases/${lease.id}`, { endDate: date }), 'endDate')
    await refused(`termination ${date}`, () => owner.post(`/v1/leases/${lease.id}/termination`, { endDate: date, reason: 'x' }), 'endDate')
    await refused(`charge dueDate ${date}`, () => owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'x', amount: 100, dueDate: date }), 'dueDate')
    await refused(`payment receivedAt ${date}`, () => owner.post('/v1/payments', { leaseId: lease.id, amount: 100, method: 'cash', receivedAt: `${date}T12:00:00.000Z` }), 'receivedAt')
    await refused(`maintenance reportedAt ${date}`, () => owner.post('/v1/maintenance-requests', { propertyId: property.id, title: 'Leak', description: 'Tap', reportedAt: `${date}T12:00:00.000Z` }), 'reportedAt')
    await refused(`tenant dateOfBirth ${date}`, () => owner.post('/v1/tenants', { firstName: 'Old', lastName: 'Timer', dateOfBirth: date }), 'dateOfBirth')
    await refused(`updatedSince ${date}`, () => owner.get(`/v1/units?updatedSince=${date}T00:00:00.000Z`), 'updatedSince')
    await refused(`dashboard period ${date.slice(0, 7)}`, () => owner.get(`/v1/dashboard?period=${date.slice(0, 7)}`), 'period')
  }
  const db = app.mongo.db!
  const agencyId = new ObjectId(owner.agencyId)
  t.equal(await db.collection('leases').countDocuments({ agencyId }), 1, 'no lease was written')
  t.equal(await db.collection('charges').countDocuments({ agencyId }), 0, 'no charge was written')
  t.equal(await db.collection('payments').countDocuments({ agencyId }), 0, 'no payment was written')
  t.equal(await db.collection('tenants').countDocuments({ agencyId }), 2, 'no tenant was written')
  t.equal((await owner.get(`/v1/units/${unit.id}`)).json().status, 'occupied', 'the lease is still active')

  // The first and last day of the range are dates like any other.
  t.equal((await owner.post('/v1/leases', { ...draft, startDate: '1900-01-01', endDate: '2099-12-31' })).statusCode, 201, 'the range\'s ends are accepted')
  t.equal((await owner.post('/v1/payments', { leaseId: lease.id, amount: 100, method: 'cash', receivedAt: '1900-01-01T00:00:00.000Z' })).statusCode, 201)
})

test('a stored lease dated outside the range cannot be activated or raise money', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Legacy Lettings')
  const { lease } = await leasedUnit(owner, 'L1', { activate: false, deposit: 10_000 })
  // As a lease stored before the range existed would be.
  await app.mongo.db!.collection('leases').updateOne({ _id: new ObjectId(lease.id) }, { $set: { startDate: new Date('0100-03-01T00:00:00.000Z') } })
  const activation = await owner.post(`/v1/leases/${lease.id}/activation`)
  t.equal(activation.statusCode, 409)
  t.equal(activation.json().code, 'DATE_OUT_OF_RANGE')
  t.equal((await owner.get(`/v1/leases/${lease.id}`)).json().status, 'draft', 'nothing changed')
  t.equal(await app.mongo.db!.collection('ledgers').countDocuments({ _id: new ObjectId(lease.id) }), 0, 'no deposit was raised')
})
