import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build } from '../../helper.ts'
import { signup, staff, type Caller } from '../../support/session.ts'

const address = { line1: '1 Quay St', city: 'Bristol', postalCode: 'BS1 1AA', country: 'GB' }
const URL = '/v1/maintenance-requests'

async function created (response: { statusCode: number, body: string, json: () => { id: string } }): Promise<string> {
  if (response.statusCode !== 201) throw new Error(`create: ${response.statusCode} ${response.body}`)
  return response.json().id
}
const newProperty = async (caller: Caller, name = 'Harbour View') =>
  await created(await caller.post('/v1/properties', { name, kind: 'residential', address }))
const newUnit = async (caller: Caller, propertyId: string, label = 'Flat 1') =>
  await created(await caller.post('/v1/units', { propertyId, label, bedrooms: 1, bathrooms: 1, marketRent: 900_00 }))
const newTenant = async (caller: Caller) =>
  await created(await caller.post('/v1/tenants', { firstName: 'Tess', lastName: 'Tenant' }))

const request = (propertyId: string, title: string, extra: Record<string, unknown> = {}) =>
  ({ propertyId, title, description: `${title}: please fix`, ...extra })

test('maintenance requests', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Agency A')
  const other = await signup(app, 'Agency B')
  const propertyId = await newProperty(owner)
  const unitId = await newUnit(owner, propertyId)
  const count = () => app.mongo.db!.collection('maintenance_requests').countDocuments()

  await t.test('create, get, update, archive', async (t) => {
    const before = Date.now()
    const minimal = await owner.post(URL, request(propertyId, 'Dripping tap'))
    t.equal(minimal.statusCode, 201)
    const body = minimal.json()
    t.equal(minimal.headers.location, `${URL}/${body.id}`)
    t.match(body, {
      propertyId, unitId: null, tenantId: null, assigneeId: null, title: 'Dripping tap', description: 'Dripping tap: please fix',
      priority: 'normal', status: 'open', resolvedAt: null, archived: false, archivedAt: null
    })
    t.ok(Date.parse(body.reportedAt) >= before && Date.parse(body.reportedAt) <= Date.now(), 'reported now by default')

    const manager = await staff(app, owner, 'manager')
    const tenantId = await newTenant(owner)
    const reportedAt = '2024-03-01T08:15:30.123Z'
    const full = await owner.post(URL, request(propertyId, 'Boiler out', { unitId, tenantId, assigneeId: manager.userId, priority: 'urgent', reportedAt }))
    t.equal(full.statusCode, 201)
    t.match(full.json(), { unitId, tenantId, assigneeId: manager.userId, priority: 'urgent', reportedAt }, 'back-filled reportedAt is kept exactly')

    const fetched = await owner.get(`${URL}/${body.id}`)
    t.same(fetched.json(), body)
    t.equal(fetched.headers['cache-control'], 'private, no-cache')

    const patched = await owner.patch(`${URL}/${body.id}`, { title: 'Dripping kitchen tap', priority: 'high', unitId, tenantId, assigneeId: owner.userId })
    t.match(patched.json(), { title: 'Dripping kitchen tap', priority: 'high', unitId, tenantId, assigneeId: owner.userId, reportedAt: body.reportedAt })
    t.ok(patched.json().updatedAt >= body.updatedAt)
    const cleared = await owner.patch(`${URL}/${body.id}`, { unitId: null, tenantId: null, assigneeId: null })
    t.match(cleared.json(), { unitId: null, tenantId: null, assigneeId: null }, 'null removes a reference')

    const archived = await owner.delete(`${URL}/${body.id}`)
    t.equal(archived.statusCode, 200)
    t.equal(archived.json().archived, true)
    t.equal((await owner.delete(`${URL}/${body.id}`)).json().archivedAt, archived.json().archivedAt, 'archiving twice keeps the first archivedAt')
    t.equal((await owner.get(`${URL}/${body.id}`)).json().archived, true, 'archived stays readable')
    t.notOk((await owner.get(URL)).json().items.some((item: { id: string }) => item.id === body.id), 'not among current requests')
    t.ok((await owner.get(`${URL}?archived=true`)).json().items.some((item: { id: string }) => item.id === body.id), 'listed with archived=true')
  })

  await t.test('resolvedAt: stamped on resolving, kept while resolved, cleared on reopening', async (t) => {
    const id = (await owner.post(URL, request(propertyId, 'Broken window'))).json().id
    const patch = async (status: string) => (await owner.patch(`${URL}/${id}`, { status })).json()
    t.equal((await patch('in_progress')).resolvedAt, null)
    const before = Date.now()
    const resolved = await patch('resolved')
    t.ok(Date.parse(resolved.resolvedAt) >= before && Date.parse(resolved.resolvedAt) <= Date.now())
    await new Promise((resolve) => setTimeout(resolve, 5))
    t.equal((await patch('resolved')).resolvedAt, resolved.resolvedAt, 'resolving again keeps the first stamp')
    t.equal((await owner.patch(`${URL}/${id}`, { title: 'Broken bay window' })).json().resolvedAt, resolved.resolvedAt, 'other changes keep it')
    t.equal((await patch('open')).resolvedAt, null, 'reopening clears it')
    const again = await patch('resolved')
    t.ok(again.resolvedAt > resolved.resolvedAt, 'resolving after reopening stamps anew')
    t.equal((await patch('cancelled')).resolvedAt, null, 'only resolved requests have a resolvedAt')

    const resolvedOnCreate = (await owner.post(URL, request(propertyId, 'Already fixed', { status: 'resolved', reportedAt: '2024-01-01T00:00:00.000Z' }))).json()
    t.match(resolvedOnCreate, { status: 'resolved', reportedAt: '2024-01-01T00:00:00.000Z' })
    t.ok(resolvedOnCreate.resolvedAt !== null)
  })

  await t.test('referenced ids must be the caller\'s: 404 naming what is missing, 409 for an ineligible assignee', async (t) => {
    const archivedProperty = await newProperty(owner, 'Gone')
    await owner.delete(`/v1/properties/${archivedProperty}`)
    const otherProperty = await newProperty(owner, 'Other building')
    const unitElsewhere = await newUnit(owner, otherProperty, 'Elsewhere 1')
    const archivedUnit = await newUnit(owner, propertyId, 'Archived 1')
    await owner.delete(`/v1/units/${archivedUnit}`)
    const theirProperty = await newProperty(other, 'Theirs')
    const theirUnit = await newUnit(other, theirProperty)
    const theirTenant = await newTenant(other)
    const viewer = await staff(app, owner, 'viewer')
    const before = await count()

    const missing = async (body: Record<string, unknown>, id: string) => {
      const response = await owner.post(URL, body)
      t.equal(response.statusCode, 404, `404 for ${id}`)
      t.equal(response.json().code, 'NOT_FOUND')
      t.match(response.json().message, id, 'names it')
    }
    for (const id of [archivedProperty, theirProperty, new ObjectId().toHexString()]) await missing(request(id, 'Nowhere'), id)
    for (const id of [unitElsewhere, archivedUnit, theirUnit]) await missing(request(propertyId, 'Wrong unit', { unitId: id }), id)
    await missing(request(propertyId, 'Their tenant', { tenantId: theirTenant }), theirTenant)
    await missing(request(propertyId, 'Their user', { assigneeId: other.userId }), other.userId)
    const ineligible = await owner.post(URL, request(propertyId, 'Viewer', { assigneeId: viewer.userId }))
    t.equal(ineligible.statusCode, 409)
    t.equal(ineligible.json().code, 'ASSIGNEE_NOT_ELIGIBLE')
    const future = await owner.post(URL, request(propertyId, 'Tomorrow', { reportedAt: new Date(Date.now() + 60_000).toISOString() }))
    t.equal(future.statusCode, 400)
    t.equal(future.json().code, 'VALIDATION_ERROR')
    t.equal(await count(), before, 'nothing was written')

    const mine = (await owner.post(URL, request(propertyId, 'Mine', { unitId }))).json()
    for (const [change, status] of [
      [{ unitId: unitElsewhere }, 404], [{ unitId: theirUnit }, 404], [{ tenantId: theirTenant }, 404],
      [{ assigneeId: other.userId }, 404], [{ assigneeId: viewer.userId }, 409]
    ] as const) {
      t.equal((await owner.patch(`${URL}/${mine.id}`, change)).statusCode, status, JSON.stringify(change))
    }
    t.same((await owner.get(`${URL}/${mine.id}`)).json(), mine, 'unchanged')
  })

  await t.test('keyset pages are complete, ordered and stable under inserts', async (t) => {
    const agency = await signup(app, 'Paging Agency')
    const property = await newProperty(agency)
    const day = (n: number) => new Date(Date.UTC(2024, 0, n)).toISOString()
    const seeded: Array<[string, string, number]> = [['A', 'low', 1], ['B', 'urgent', 2], ['C', 'normal', 3], ['D', 'high', 4], ['E', 'urgent', 5], ['F', 'normal', 6], ['G', 'low', 7]]
    const ids = new Map<string, string>()
    for (const [title, priority, n] of seeded) ids.set(title, await created(await agency.post(URL, request(property, title, { priority, reportedAt: day(n) }))))
    const titles = async (query: string) => {
      const page = (await agency.get(`${URL}?${query}`)).json()
      return { titles: page.items.map((r: { title: string }) => r.title), next: page.nextCursor as string | null }
    }
    const first = await titles('limit=3')
    t.same(first.titles, ['G', 'F', 'E'], 'newest report first by default')
    await agency.post(URL, request(property, 'H', { reportedAt: day(10) })) // sorts before the cursor: must not shift the pages
    const second = await titles(`limit=3&cursor=${first.next}`)
    t.same(second.titles, ['D', 'C', 'B'])
    const third = await titles(`limit=3&cursor=${second.next}`)
    t.same(third.titles, ['A'])
    t.equal(third.next, null)

    const urgent = await titles('sort=priority&limit=3')
    t.same(urgent.titles, ['B', 'E', 'D'], 'most urgent first, ties in insertion order')
    t.same((await titles(`sort=priority&limit=3&cursor=${urgent.next}`)).titles, ['C', 'F', 'H'])
    t.same((await titles('sort=-priority&limit=2')).titles, ['G', 'A'])
    t.same((await titles('sort=reportedAt&limit=2')).titles, ['A', 'B'])
    t.equal((await agency.get(`${URL}?sort=updatedAt&cursor=${urgent.next}`)).json().code, 'INVALID_CURSOR')

    await agency.patch(`${URL}/${ids.get('G')}`, { priority: 'urgent' })
    t.same((await titles('sort=priority&limit=3')).titles, ['B', 'E', 'G'], 'a changed priority moves the request in the urgency order')
  })

  await t.test('filters and the change feed', async (t) => {
    const agency = await signup(app, 'Filter Agency')
    const north = await newProperty(agency, 'North')
    const south = await newProperty(agency, 'South')
    const manager = await staff(app, agency, 'manager')
    await agency.post(URL, request(north, 'N open normal'))
    await agency.post(URL, request(north, 'N open urgent', { priority: 'urgent', assigneeId: manager.userId }))
    await agency.post(URL, request(south, 'S held urgent', { priority: 'urgent', status: 'on_hold' }))
    const titles = async (query: string) => (await agency.get(`${URL}?sort=reportedAt&${query}`)).json().items.map((r: { title: string }) => r.title)
    t.same(await titles('status=open'), ['N open normal', 'N open urgent'])
    t.same(await titles('priority=urgent'), ['N open urgent', 'S held urgent'])
    t.same(await titles('status=open&priority=urgent'), ['N open urgent'])
    t.same(await titles(`propertyId=${south}`), ['S held urgent'])
    t.same(await titles(`assigneeId=${manager.userId}`), ['N open urgent'])
    t.same((await agency.get(`${URL}?status=open&sort=priority`)).json().items.map((r: { title: string }) => r.title), ['N open urgent', 'N open normal'])
    const unsupported = await agency.get(`${URL}?status=open&propertyId=${north}`)
    t.equal(unsupported.statusCode, 400)
    t.equal(unsupported.json().code, 'UNSUPPORTED_QUERY', 'a combination no index serves is refused, not scanned')

    const since = new Date().toISOString()
    await new Promise((resolve) => setTimeout(resolve, 5))
    const held = (await agency.get(`${URL}?propertyId=${south}`)).json().items[0]
    await agency.patch(`${URL}/${held.id}`, { status: 'resolved' })
    const changes = await agency.get(`${URL}?updatedSince=${encodeURIComponent(since)}`)
    t.same(changes.json().items.map((r: { title: string }) => r.title), ['S held urgent'], 'only what changed since')
  })

  await t.test('another agency\'s request is invisible: 404 on get, update and archive, absent from lists', async (t) => {
    const mine = (await owner.post(URL, request(propertyId, 'Private', { unitId }))).json()
    for (const response of [
      await other.get(`${URL}/${mine.id}`),
      await other.patch(`${URL}/${mine.id}`, { title: 'Stolen' }),
      await other.patch(`${URL}/${mine.id}`, { assigneeId: other.userId }),
      await other.delete(`${URL}/${mine.id}`)
    ]) {
      t.equal(response.statusCode, 404)
      t.equal(response.json().code, 'NOT_FOUND')
      t.equal(response.json().message, 'No such maintenance request')
    }
    t.notOk((await other.get(URL)).json().items.some((item: { id: string }) => item.id === mine.id))
    t.same((await other.get(`${URL}?propertyId=${propertyId}`)).json().items, [], 'not even by my property id')
    const feed = await other.get(`${URL}?updatedSince=${encodeURIComponent(new Date(0).toISOString())}`)
    t.notOk(feed.json().items.some((item: { id: string }) => item.id === mine.id))
    t.same((await owner.get(`${URL}/${mine.id}`)).json(), mine, 'unchanged')
  })

  await t.test('viewers read but cannot write', async (t) => {
    const viewer = await staff(app, owner, 'viewer')
    const mine = (await owner.post(URL, request(propertyId, 'Viewed'))).json()
    t.equal((await viewer.get(URL)).statusCode, 200)
    t.equal((await viewer.get(`${URL}/${mine.id}`)).statusCode, 200)
    for (const denied of [
      await viewer.post(URL, request(propertyId, 'Nope')),
      await viewer.patch(`${URL}/${mine.id}`, { status: 'resolved' }),
      await viewer.delete(`${URL}/${mine.id}`)
    ]) {
      t.equal(denied.statusCode, 403)
      t.equal(denied.json().code, 'FORBIDDEN')
    }
    const manager = await staff(app, owner, 'manager')
    t.equal((await manager.post(URL, request(propertyId, 'Managed'))).statusCode, 201)
  })

  await t.test('strict input: unknown fields, operators, bad ids and limits answer 400 and write nothing', async (t) => {
    const mine = (await owner.post(URL, request(propertyId, 'Strict'))).json()
    const before = await count()
    const cases = [
      await owner.post(URL, request(propertyId, 'Extra', { agencyId: other.agencyId })),
      await owner.post(URL, request(propertyId, 'Op', { title: { $gt: '' } })),
      await owner.post(URL, request(propertyId, 'Op id', { unitId: { $ne: null } })),
      await owner.post(URL, request('not-an-id', 'Bad id')),
      await owner.post(URL, request(propertyId, 'Rank', { priorityRank: 0 })),
      await owner.post(URL, request(propertyId, 'Resolved', { resolvedAt: '2024-01-01T00:00:00Z' })),
      await owner.post(URL, request(propertyId, 'Priority', { priority: 'asap' })),
      await owner.post(URL, request(propertyId, 'Status', { status: 'done' })),
      await owner.post(URL, request(propertyId, 'Date', { reportedAt: 'yesterday' })),
      await owner.post(URL, { propertyId, title: 'No description' }),
      await owner.patch(`${URL}/${mine.id}`, { propertyId }),
      await owner.patch(`${URL}/${mine.id}`, { reportedAt: '2024-01-01T00:00:00Z' }),
      await owner.patch(`${URL}/${mine.id}`, {}),
      await owner.patch(`${URL}/not-an-id`, { title: 'x' }),
      await owner.get(`${URL}?limit=0`),
      await owner.get(`${URL}?status[$ne]=open`),
      await owner.get(`${URL}?assigneeId=nope`),
      await owner.get(`${URL}?sort=priorityRank`)
    ]
    t.same(cases.map((r) => r.statusCode), cases.map(() => 400))
    t.same(cases.map((r) => r.json().code), cases.map(() => 'VALIDATION_ERROR'))
    t.match(cases[0]!.json().details, [{ path: '/body', message: "unknown field 'agencyId'" }])
    t.equal(await count(), before, 'nothing was written')
    t.same((await owner.get(`${URL}/${mine.id}`)).json(), mine, 'unchanged')
  })

  await t.test('conditional GET: the ETag answers 304 until the item changes', async (t) => {
    const mine = (await owner.post(URL, request(propertyId, 'Tagged'))).json()
    const etag = (await owner.get(`${URL}/${mine.id}`)).headers.etag as string
    t.ok(etag)
    const again = await owner.get(`${URL}/${mine.id}`, { 'if-none-match': etag })
    t.equal(again.statusCode, 304)
    t.equal(again.body, '')
    await owner.patch(`${URL}/${mine.id}`, { status: 'in_progress' })
    t.equal((await owner.get(`${URL}/${mine.id}`, { 'if-none-match': etag })).statusCode, 200)
    const list = await owner.get(URL)
    t.equal((await owner.get(URL, { 'if-none-match': list.headers.etag as string })).statusCode, 304, 'lists too')
  })
})
