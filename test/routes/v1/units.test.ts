import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build } from '../../helper.ts'
import { signup, staff, type Caller } from '../../support/session.ts'

const address = { line1: '1 Quay St', city: 'Bristol', postalCode: 'BS1 1AA', country: 'GB' }

async function newProperty (caller: Caller, name = 'Harbour View'): Promise<string> {
  const response = await caller.post('/v1/properties', { name, kind: 'residential', address })
  if (response.statusCode !== 201) throw new Error(`property: ${response.statusCode} ${response.body}`)
  return response.json().id
}

const unit = (propertyId: string, label: string, extra: Record<string, unknown> = {}) =>
  ({ propertyId, label, bedrooms: 2, bathrooms: 1, marketRent: 1_250_00, ...extra })

test('units', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Agency A')
  const other = await signup(app, 'Agency B')
  const propertyId = await newProperty(owner)
  const count = () => app.mongo.db!.collection('units').countDocuments()

  await t.test('create, get, update, archive', async (t) => {
    const created = await owner.post('/v1/units', unit(propertyId, 'Flat 2B', { areaSqm: 64 }))
    t.equal(created.statusCode, 201)
    const body = created.json()
    t.equal(created.headers.location, `/v1/units/${body.id}`)
    t.match(body, { propertyId, label: 'Flat 2B', bedrooms: 2, bathrooms: 1, areaSqm: 64, marketRent: 1_250_00, status: 'vacant', archived: false, archivedAt: null })

    const fetched = await owner.get(`/v1/units/${body.id}`)
    t.same(fetched.json(), body)
    t.equal(fetched.headers['cache-control'], 'private, no-cache')

    const patched = await owner.patch(`/v1/units/${body.id}`, { label: 'Flat 2C', marketRent: 1_300_00, status: 'offline' })
    t.match(patched.json(), { label: 'Flat 2C', marketRent: 1_300_00, status: 'offline', propertyId })
    t.ok(patched.json().updatedAt >= body.updatedAt)

    const archived = await owner.delete(`/v1/units/${body.id}`)
    t.equal(archived.statusCode, 200)
    t.equal(archived.json().archived, true)
    const again = await owner.delete(`/v1/units/${body.id}`)
    t.equal(again.json().archivedAt, archived.json().archivedAt, 'archiving twice keeps the first archivedAt')
    t.equal((await owner.get(`/v1/units/${body.id}`)).json().archived, true, 'archived stays readable')
    t.notOk((await owner.get('/v1/units')).json().items.some((item: { id: string }) => item.id === body.id), 'not among current units')
    t.ok((await owner.get('/v1/units?archived=true')).json().items.some((item: { id: string }) => item.id === body.id), 'listed with archived=true')
  })

  await t.test('a label is unique within its property, not across properties', async (t) => {
    t.equal((await owner.post('/v1/units', unit(propertyId, 'Flat 1'))).statusCode, 201)
    const before = await count()
    const duplicate = await owner.post('/v1/units', unit(propertyId, 'Flat 1'))
    t.equal(duplicate.statusCode, 409)
    t.equal(duplicate.json().code, 'UNIT_LABEL_TAKEN')
    t.equal(await count(), before, 'nothing was written')

    const second = (await owner.post('/v1/units', unit(propertyId, 'Flat 3'))).json()
    const renamed = await owner.patch(`/v1/units/${second.id}`, { label: 'Flat 1' })
    t.equal(renamed.statusCode, 409)
    t.equal(renamed.json().code, 'UNIT_LABEL_TAKEN')
    t.equal((await owner.get(`/v1/units/${second.id}`)).json().label, 'Flat 3', 'unchanged')

    const elsewhere = await owner.post('/v1/units', unit(await newProperty(owner, 'Elsewhere'), 'Flat 1'))
    t.equal(elsewhere.statusCode, 201, 'another property may use the label')
    t.equal((await other.post('/v1/units', unit(await newProperty(other), 'Flat 1'))).statusCode, 201, 'and another agency')
  })

  await t.test('the property must be a current one of the caller\'s agency; a unit cannot move', async (t) => {
    const archivedProperty = await newProperty(owner, 'Gone')
    await owner.delete(`/v1/properties/${archivedProperty}`)
    const theirs = await newProperty(other, 'Theirs')
    const before = await count()
    for (const id of [archivedProperty, theirs, new ObjectId().toHexString()]) {
      const response = await owner.post('/v1/units', unit(id, 'Flat X'))
      t.equal(response.statusCode, 404)
      t.equal(response.json().code, 'NOT_FOUND')
      t.match(response.json().message, id, 'names the missing property')
    }
    t.equal(await count(), before, 'nothing was written')

    const mine = (await owner.post('/v1/units', unit(propertyId, 'Fixed'))).json()
    const move = await owner.patch(`/v1/units/${mine.id}`, { propertyId: theirs })
    t.equal(move.statusCode, 400)
    t.equal(move.json().code, 'VALIDATION_ERROR')
    t.equal((await owner.get(`/v1/units/${mine.id}`)).json().propertyId, propertyId)
  })

  await t.test('a property with current units cannot be archived', async (t) => {
    const property = await newProperty(owner, 'Occupied Court')
    const flat = (await owner.post('/v1/units', unit(property, 'Flat 1'))).json()
    const refused = await owner.delete(`/v1/properties/${property}`)
    t.equal(refused.statusCode, 409)
    t.equal(refused.json().code, 'PROPERTY_HAS_UNITS')
    t.equal((await owner.get(`/v1/properties/${property}`)).json().archived, false)
    await owner.delete(`/v1/units/${flat.id}`)
    const archived = await owner.delete(`/v1/properties/${property}`)
    t.equal(archived.statusCode, 200)
    t.equal(archived.json().archived, true)
    t.equal((await other.delete(`/v1/properties/${property}`)).statusCode, 404, 'another agency still gets 404')
  })

  await t.test('keyset pages are complete, ordered and stable under inserts', async (t) => {
    const agency = await signup(app, 'Paging Agency')
    const property = await newProperty(agency)
    const rents = { A: 900_00, B: 1_500_00, C: 1_100_00, D: 1_300_00, E: 700_00, F: 1_200_00, G: 1_000_00 }
    for (const [label, marketRent] of Object.entries(rents)) await agency.post('/v1/units', unit(property, label, { marketRent }))
    const first = await agency.get('/v1/units?sort=label&limit=3')
    t.same(first.json().items.map((u: { label: string }) => u.label), ['A', 'B', 'C'])
    await agency.post('/v1/units', unit(property, '0', { marketRent: 500_00 })) // sorts before the cursor: must not shift the pages
    const second = await agency.get(`/v1/units?sort=label&limit=3&cursor=${first.json().nextCursor}`)
    t.same(second.json().items.map((u: { label: string }) => u.label), ['D', 'E', 'F'])
    const third = await agency.get(`/v1/units?sort=label&limit=3&cursor=${second.json().nextCursor}`)
    t.same(third.json().items.map((u: { label: string }) => u.label), ['G'])
    t.equal(third.json().nextCursor, null)

    const byRent = await agency.get('/v1/units?sort=-marketRent&limit=2')
    t.same(byRent.json().items.map((u: { label: string }) => u.label), ['B', 'D'])
    const nextByRent = await agency.get(`/v1/units?sort=-marketRent&limit=2&cursor=${byRent.json().nextCursor}`)
    t.same(nextByRent.json().items.map((u: { label: string }) => u.label), ['F', 'C'])
    const wrongSort = await agency.get(`/v1/units?sort=createdAt&cursor=${first.json().nextCursor}`)
    t.equal(wrongSort.json().code, 'INVALID_CURSOR')
  })

  await t.test('filters and the change feed', async (t) => {
    const agency = await signup(app, 'Filter Agency')
    const north = await newProperty(agency, 'North')
    const south = await newProperty(agency, 'South')
    await agency.post('/v1/units', unit(north, 'N1'))
    await agency.post('/v1/units', unit(north, 'N2', { status: 'occupied' }))
    await agency.post('/v1/units', unit(south, 'S1', { status: 'occupied' }))
    const labels = async (query: string) => (await agency.get(`/v1/units?${query}`)).json().items.map((u: { label: string }) => u.label)
    t.same(await labels(`propertyId=${north}`), ['N1', 'N2'])
    t.same(await labels('status=occupied'), ['N2', 'S1'])
    t.same(await labels(`propertyId=${north}&status=occupied`), ['N2'])
    t.same(await labels(`propertyId=${north}&status=occupied&sort=-marketRent`), ['N2'])

    const since = new Date().toISOString()
    await new Promise((resolve) => setTimeout(resolve, 5))
    const s1 = (await agency.get(`/v1/units?propertyId=${south}`)).json().items[0]
    await agency.patch(`/v1/units/${s1.id}`, { status: 'notice' })
    const changes = await agency.get(`/v1/units?updatedSince=${encodeURIComponent(since)}`)
    t.same(changes.json().items.map((u: { label: string }) => u.label), ['S1'], 'only what changed since')
  })

  await t.test('another agency\'s unit is invisible: 404 on get, update and archive, absent from lists', async (t) => {
    const mine = (await owner.post('/v1/units', unit(propertyId, 'Private'))).json()
    for (const response of [
      await other.get(`/v1/units/${mine.id}`),
      await other.patch(`/v1/units/${mine.id}`, { label: 'Stolen' }),
      await other.delete(`/v1/units/${mine.id}`)
    ]) {
      t.equal(response.statusCode, 404)
      t.equal(response.json().code, 'NOT_FOUND')
    }
    t.notOk((await other.get('/v1/units')).json().items.some((item: { id: string }) => item.id === mine.id))
    t.same((await other.get(`/v1/units?propertyId=${propertyId}`)).json().items, [], 'not even by my property id')
    const feed = await other.get(`/v1/units?updatedSince=${encodeURIComponent(new Date(0).toISOString())}`)
    t.notOk(feed.json().items.some((item: { id: string }) => item.id === mine.id))
    t.equal(await app.repos.units.setStatus(new ObjectId(other.agencyId), new ObjectId(mine.id), 'occupied'), null, 'setStatus is agency-scoped too')
    t.match((await owner.get(`/v1/units/${mine.id}`)).json(), { label: 'Private', status: 'vacant', archived: false }, 'unchanged')
  })

  await t.test('setStatus moves a unit\'s status for the lease lifecycle', async (t) => {
    const flat = (await owner.post('/v1/units', unit(propertyId, 'Leased'))).json()
    const moved = await app.repos.units.setStatus(new ObjectId(owner.agencyId), new ObjectId(flat.id), 'occupied')
    t.equal(moved?.status, 'occupied')
    t.equal((await owner.get(`/v1/units/${flat.id}`)).json().status, 'occupied')
  })

  await t.test('viewers read but cannot write', async (t) => {
    const viewer = await staff(app, owner, 'viewer')
    const flat = (await owner.post('/v1/units', unit(propertyId, 'Viewed'))).json()
    t.equal((await viewer.get('/v1/units')).statusCode, 200)
    for (const denied of [
      await viewer.post('/v1/units', unit(propertyId, 'Nope')),
      await viewer.patch(`/v1/units/${flat.id}`, { label: 'Nope' }),
      await viewer.delete(`/v1/units/${flat.id}`)
    ]) {
      t.equal(denied.statusCode, 403)
      t.equal(denied.json().code, 'FORBIDDEN')
    }
    const manager = await staff(app, owner, 'manager')
    t.equal((await manager.post('/v1/units', unit(propertyId, 'Managed'))).statusCode, 201)
  })

  await t.test('strict input: unknown fields, operators, bad ids and limits answer 400 and write nothing', async (t) => {
    const flat = (await owner.post('/v1/units', unit(propertyId, 'Strict'))).json()
    const before = await count()
    const cases = [
      await owner.post('/v1/units', unit(propertyId, 'Extra', { agencyId: other.agencyId })),
      await owner.post('/v1/units', unit(propertyId, 'Op', { label: { $gt: '' } })),
      await owner.post('/v1/units', unit({ $ne: null } as unknown as string, 'Op id')),
      await owner.post('/v1/units', unit('not-an-id', 'Bad id')),
      await owner.post('/v1/units', unit(propertyId, 'Rooms', { bedrooms: 21 })),
      await owner.post('/v1/units', unit(propertyId, 'Half', { bathrooms: 1.5 })),
      await owner.post('/v1/units', unit(propertyId, 'Cents', { marketRent: 12.5 })),
      await owner.post('/v1/units', unit(propertyId, 'Status', { status: 'demolished' })),
      await owner.post('/v1/units', { propertyId, label: 'Missing rent', bedrooms: 1, bathrooms: 1 }),
      await owner.patch(`/v1/units/${flat.id}`, { archived: false }),
      await owner.patch(`/v1/units/${flat.id}`, {}),
      await owner.patch('/v1/units/not-an-id', { label: 'x' }),
      await owner.get('/v1/units?limit=1000'),
      await owner.get('/v1/units?status[$ne]=vacant'),
      await owner.get('/v1/units?propertyId=nope'),
      await owner.get('/v1/units?sort=bedrooms')
    ]
    t.same(cases.map((r) => r.statusCode), cases.map(() => 400))
    t.same(cases.map((r) => r.json().code), cases.map(() => 'VALIDATION_ERROR'))
    t.match(cases[0]!.json().details, [{ path: '/body', message: "unknown field 'agencyId'" }])
    t.equal(await count(), before, 'nothing was written')
    t.match((await owner.get(`/v1/units/${flat.id}`)).json(), { label: 'Strict', archived: false }, 'unchanged')
  })

  await t.test('conditional GET: the ETag answers 304 until the item changes', async (t) => {
    const created = (await owner.post('/v1/units', unit(propertyId, 'Tagged'))).json()
    const first = await owner.get(`/v1/units/${created.id}`)
    const etag = first.headers.etag as string
    t.ok(etag)
    const again = await owner.get(`/v1/units/${created.id}`, { 'if-none-match': etag })
    t.equal(again.statusCode, 304)
    t.equal(again.body, '')
    await owner.patch(`/v1/units/${created.id}`, { bedrooms: 3 })
    t.equal((await owner.get(`/v1/units/${created.id}`, { 'if-none-match': etag })).statusCode, 200)
    const list = await owner.get('/v1/units')
    t.equal((await owner.get('/v1/units', { 'if-none-match': list.headers.etag as string })).statusCode, 304, 'lists too')
  })
})
