import { test } from 'tap'
import { build } from '../../helper.ts'
import { signup, staff } from '../../support/session.ts'
import { createProperty, createTenant, createUnit, leasedUnit } from '../../support/portfolio.ts'

test('leases', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Lease Agency')
  const other = await signup(app, 'Other Agency')

  await t.test('a draft becomes active: the unit is occupied, rent is scheduled, the deposit is charged', async (t) => {
    const property = await createProperty(owner)
    const unit = await createUnit(owner, property.id, '1A')
    const tenant = await createTenant(owner)
    const draft = await owner.post('/v1/leases', { unitId: unit.id, tenantIds: [tenant.id], startDate: '2026-03-15', endDate: '2027-03-14', rent: 120_000, deposit: 240_000, dueDay: 1 })
    t.equal(draft.statusCode, 201)
    t.match(draft.json(), { status: 'draft', propertyId: property.id, nextRentDueDate: null })
    t.equal(draft.headers.location, `/v1/leases/${draft.json().id}`)

    const active = await owner.post(`/v1/leases/${draft.json().id}/activation`)
    t.equal(active.statusCode, 200)
    t.match(active.json(), { status: 'active', nextRentDueDate: '2026-03-15' }, 'the first rent is due on the start date (after the due day)')
    t.equal((await owner.get(`/v1/units/${unit.id}`)).json().status, 'occupied')
    const charges = (await owner.get(`/v1/charges?leaseId=${draft.json().id}`)).json().items
    t.match(charges, [{ kind: 'deposit', amount: 240_000, status: 'open', dueDate: '2026-03-15' }])

    const again = await owner.post(`/v1/leases/${draft.json().id}/activation`)
    t.equal(again.statusCode, 409)
    t.equal(again.json().code, 'LEASE_STATE')
  })

  await t.test('one active lease per unit, even when two activations race', async (t) => {
    const property = await createProperty(owner)
    const unit = await createUnit(owner, property.id, '2B')
    const tenant = await createTenant(owner)
    const body = { unitId: unit.id, tenantIds: [tenant.id], startDate: '2026-01-01', rent: 90_000 }
    const a = (await owner.post('/v1/leases', body)).json()
    const b = (await owner.post('/v1/leases', body)).json()
    const results = await Promise.all([owner.post(`/v1/leases/${a.id}/activation`), owner.post(`/v1/leases/${b.id}/activation`)])
    t.same(results.map((r) => r.statusCode).sort(), [200, 409])
    t.equal(results.find((r) => r.statusCode === 409)!.json().code, 'UNIT_OCCUPIED')
  })

  await t.test('termination frees the unit and stops rent; a closed lease cannot change', async (t) => {
    const { lease, unit } = await leasedUnit(owner, '3C')
    const terminated = await owner.post(`/v1/leases/${lease.id}/termination`, { endDate: '2026-06-30', reason: 'tenant moved abroad' })
    t.equal(terminated.statusCode, 200)
    t.match(terminated.json(), { status: 'terminated', endDate: '2026-06-30', endReason: 'tenant moved abroad', nextRentDueDate: null })
    t.equal((await owner.get(`/v1/units/${unit.id}`)).json().status, 'vacant')
    const change = await owner.patch(`/v1/leases/${lease.id}`, { rent: 1 })
    t.equal(change.statusCode, 409)
    t.equal(change.json().code, 'LEASE_CLOSED')
  })

  await t.test('drafts change freely and are cancelled by DELETE; active leases are not deleted', async (t) => {
    const { lease } = await leasedUnit(owner, '4D', { activate: false })
    t.equal((await owner.patch(`/v1/leases/${lease.id}`, { dueDay: 5, deposit: 1000 })).json().dueDay, 5)
    t.equal((await owner.delete(`/v1/leases/${lease.id}`)).json().status, 'cancelled')
    const active = (await leasedUnit(owner, '4E')).lease
    const refused = await owner.delete(`/v1/leases/${active.id}`)
    t.equal(refused.statusCode, 409)
    t.equal(refused.json().code, 'LEASE_ACTIVE')
    const draftOnly = await owner.patch(`/v1/leases/${active.id}`, { dueDay: 3 })
    t.equal(draftOnly.json().code, 'LEASE_STATE')
    t.equal((await owner.patch(`/v1/leases/${active.id}`, { rent: 101_000, endDate: null })).json().endDate, null)
  })

  await t.test('lists filter by status, unit, property and tenant', async (t) => {
    const agency = await signup(app, 'List Agency')
    const first = await leasedUnit(agency, 'L1')
    await leasedUnit(agency, 'L2', { activate: false })
    t.equal((await agency.get('/v1/leases?status=active')).json().items.length, 1)
    t.equal((await agency.get(`/v1/leases?unitId=${first.unit.id}`)).json().items[0].id, first.lease.id)
    t.equal((await agency.get(`/v1/leases?propertyId=${first.property.id}`)).json().items[0].id, first.lease.id)
    t.equal((await agency.get(`/v1/leases?tenantId=${first.tenant.id}`)).json().items[0].id, first.lease.id)
    t.equal((await agency.get(`/v1/leases?status=draft&propertyId=${first.property.id}`)).json().items.length, 0)
    const page = await agency.get('/v1/leases?sort=startDate&limit=1')
    t.equal(page.json().items.length, 1)
    t.ok(page.json().nextCursor)
  })

  await t.test('referenced units and tenants must be the agency\'s', async (t) => {
    const mine = await leasedUnit(owner, '5E', { activate: false })
    const theirTenant = await createTenant(other)
    const foreignTenant = await owner.post('/v1/leases', { unitId: mine.unit.id, tenantIds: [theirTenant.id], startDate: '2026-01-01', rent: 1000 })
    t.equal(foreignTenant.statusCode, 404)
    t.match(foreignTenant.json().message, /tenant/)
    const foreignUnit = await other.post('/v1/leases', { unitId: mine.unit.id, tenantIds: [theirTenant.id], startDate: '2026-01-01', rent: 1000 })
    t.equal(foreignUnit.statusCode, 404)
    t.match(foreignUnit.json().message, /unit/)
  })

  await t.test('another agency\'s lease is invisible: 404 on get, update, delete, actions and balance', async (t) => {
    const { lease } = await leasedUnit(owner, '6F', { activate: false })
    const attempts = [
      await other.get(`/v1/leases/${lease.id}`),
      await other.patch(`/v1/leases/${lease.id}`, { rent: 1 }),
      await other.delete(`/v1/leases/${lease.id}`),
      await other.post(`/v1/leases/${lease.id}/activation`),
      await other.get(`/v1/leases/${lease.id}/balance`)
    ]
    t.same(attempts.map((r) => r.statusCode), [404, 404, 404, 404, 404])
    t.notOk((await other.get('/v1/leases')).json().items.some((l: { id: string }) => l.id === lease.id))
    t.equal((await owner.get(`/v1/leases/${lease.id}`)).json().status, 'draft', 'untouched')
  })

  await t.test('viewers read, managers write', async (t) => {
    const viewer = await staff(app, owner, 'viewer')
    t.equal((await viewer.get('/v1/leases')).statusCode, 200)
    const { lease } = await leasedUnit(owner, '7G', { activate: false })
    t.equal((await viewer.post(`/v1/leases/${lease.id}/activation`)).statusCode, 403)
    t.equal((await viewer.patch(`/v1/leases/${lease.id}`, { rent: 5 })).statusCode, 403)
  })

  await t.test('strict input', async (t) => {
    const { unit, tenant } = await leasedUnit(owner, '8H', { activate: false })
    const before = await app.mongo.db!.collection('leases').countDocuments()
    const base = { unitId: unit.id, tenantIds: [tenant.id], startDate: '2026-01-01', rent: 1000 }
    const responses = [
      await owner.post('/v1/leases', { ...base, agencyId: other.agencyId }),
      await owner.post('/v1/leases', { ...base, rent: -5 }),
      await owner.post('/v1/leases', { ...base, rent: 10.5 }),
      await owner.post('/v1/leases', { ...base, dueDay: 31 }),
      await owner.post('/v1/leases', { ...base, startDate: '2026-13-01' }),
      await owner.post('/v1/leases', { ...base, tenantIds: [] }),
      await owner.post('/v1/leases', { ...base, endDate: '2025-12-31' }),
      await owner.get('/v1/leases?status=bogus')
    ]
    t.same(responses.map((r) => r.statusCode), [400, 400, 400, 400, 400, 400, 400, 400])
    t.equal(responses[6]!.json().code, 'INVALID_DATES')
    t.equal(await app.mongo.db!.collection('leases').countDocuments(), before)
  })

  await t.test('ETag', async (t) => {
    const { lease } = await leasedUnit(owner, '9J', { activate: false })
    const first = await owner.get(`/v1/leases/${lease.id}`)
    t.equal((await owner.get(`/v1/leases/${lease.id}`, { 'if-none-match': first.headers.etag as string })).statusCode, 304)
  })
})

test('a unit with an active lease is not archived', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Archive Agency')
  const { lease, unit } = await leasedUnit(owner, 'AR1')
  const refused = await owner.delete(`/v1/units/${unit.id}`)
  t.equal(refused.statusCode, 409)
  t.equal(refused.json().code, 'UNIT_HAS_ACTIVE_LEASE')
  await owner.post(`/v1/leases/${lease.id}/termination`, { reason: 'sold' })
  t.equal((await owner.delete(`/v1/units/${unit.id}`)).json().archived, true)
})
