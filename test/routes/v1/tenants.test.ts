import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build } from '../../helper.ts'
import { signup, staff } from '../../support/session.ts'

const tenant = (firstName: string, lastName: string, extra: Record<string, unknown> = {}) => ({ firstName, lastName, ...extra })
const names = (body: { items: Array<{ firstName: string, lastName: string }> }) => body.items.map((t) => `${t.firstName} ${t.lastName}`)

test('tenants', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Agency A')
  const other = await signup(app, 'Agency B')

  await t.test('create, get, update, archive', async (t) => {
    const created = await owner.post('/v1/tenants', tenant('Tia', 'Tenant', { email: 'Tia.Tenant@Example.TEST', phone: '+447700900123', dateOfBirth: '1990-02-28', notes: 'prefers email' }))
    t.equal(created.statusCode, 201)
    const body = created.json()
    t.equal(created.headers.location, `/v1/tenants/${body.id}`)
    t.match(body, { firstName: 'Tia', lastName: 'Tenant', email: 'tia.tenant@example.test', phone: '+447700900123', dateOfBirth: '1990-02-28', archived: false, archivedAt: null })

    const fetched = await owner.get(`/v1/tenants/${body.id}`)
    t.same(fetched.json(), body)
    t.equal(fetched.headers['cache-control'], 'private, no-cache')

    const patched = await owner.patch(`/v1/tenants/${body.id}`, { lastName: 'Tenant-Smith', email: 'TIA@example.test' })
    t.match(patched.json(), { lastName: 'Tenant-Smith', email: 'tia@example.test', phone: '+447700900123' })
    t.ok(patched.json().updatedAt >= body.updatedAt)

    const cleared = await owner.patch(`/v1/tenants/${body.id}`, { phone: null, notes: null, dateOfBirth: null })
    t.equal(cleared.statusCode, 200)
    t.notOk('phone' in cleared.json(), 'null removes a field')
    t.notOk('notes' in cleared.json())
    t.notOk('dateOfBirth' in cleared.json())
    t.equal(cleared.json().email, 'tia@example.test', 'other fields stay')

    const archived = await owner.delete(`/v1/tenants/${body.id}`)
    t.equal(archived.statusCode, 200)
    t.equal(archived.json().archived, true)
    t.same((await owner.delete(`/v1/tenants/${body.id}`)).json().archivedAt, archived.json().archivedAt, 'archiving twice keeps the first archivedAt')
    t.equal((await owner.get(`/v1/tenants/${body.id}`)).json().archived, true, 'archived stays readable')
    const current = await owner.get('/v1/tenants')
    t.notOk(current.json().items.some((item: { id: string }) => item.id === body.id), 'not among current tenants')
    const archivedList = await owner.get('/v1/tenants?archived=true')
    t.ok(archivedList.json().items.some((item: { id: string }) => item.id === body.id), 'listed with archived=true')
  })

  await t.test('keyset pages by last name are complete, ordered and stable under inserts', async (t) => {
    const agency = await signup(app, 'Paging Agency')
    for (const [first, last] of [['Ann', 'Elm'], ['Bob', 'Ash'], ['Cat', 'Oak'], ['Dan', 'Ash'], ['Eve', 'Cedar'], ['Fay', 'Fir']]) {
      await agency.post('/v1/tenants', tenant(first!, last!))
    }
    const first = await agency.get('/v1/tenants?sort=lastName&limit=3')
    t.same(names(first.json()), ['Bob Ash', 'Dan Ash', 'Eve Cedar'], 'equal last names in _id order')
    await agency.post('/v1/tenants', tenant('Al', 'Alder')) // sorts before the cursor: must not shift the pages
    const second = await agency.get(`/v1/tenants?sort=lastName&limit=3&cursor=${first.json().nextCursor}`)
    t.same(names(second.json()), ['Ann Elm', 'Fay Fir', 'Cat Oak'])
    t.equal(second.json().nextCursor, null)

    const splitTie = await agency.get('/v1/tenants?sort=lastName&limit=2')
    const afterTie = await agency.get(`/v1/tenants?sort=lastName&limit=2&cursor=${splitTie.json().nextCursor}`)
    t.same([...names(splitTie.json()), ...names(afterTie.json())], ['Al Alder', 'Bob Ash', 'Dan Ash', 'Eve Cedar'], 'a page boundary inside a tie loses nothing')

    t.same(names((await agency.get('/v1/tenants?sort=-lastName&limit=2')).json()), ['Cat Oak', 'Fay Fir'])
    t.same(names((await agency.get('/v1/tenants?sort=-createdAt&limit=1')).json()), ['Al Alder'])
    t.equal((await agency.get(`/v1/tenants?sort=createdAt&cursor=${first.json().nextCursor}`)).json().code, 'INVALID_CURSOR')
  })

  await t.test('the email filter is exact and case-insensitive; a household may share one email', async (t) => {
    const agency = await signup(app, 'Filter Agency')
    await agency.post('/v1/tenants', tenant('Pat', 'Home', { email: 'home@example.test' }))
    await agency.post('/v1/tenants', tenant('Sam', 'Home', { email: 'HOME@example.test' }))
    await agency.post('/v1/tenants', tenant('Lee', 'Away', { email: 'away@example.test' }))
    const home = await agency.get('/v1/tenants?email=Home@Example.test')
    t.same(names(home.json()), ['Pat Home', 'Sam Home'])
    t.same(names((await agency.get('/v1/tenants?email=home@example.tes')).json()), [], 'exact, not a prefix')

    const since = new Date().toISOString()
    await new Promise((resolve) => setTimeout(resolve, 5))
    const lee = (await agency.get('/v1/tenants?email=away@example.test')).json().items[0]
    await agency.patch(`/v1/tenants/${lee.id}`, { notes: 'changed' })
    const changes = await agency.get(`/v1/tenants?updatedSince=${encodeURIComponent(since)}`)
    t.same(names(changes.json()), ['Lee Away'], 'only what changed since')
  })

  await t.test('findByIds answers only the agency\'s own tenants (for leases to check theirs)', async (t) => {
    const mine = (await owner.post('/v1/tenants', tenant('Mo', 'Mine'))).json()
    const theirs = (await other.post('/v1/tenants', tenant('Theo', 'Theirs'))).json()
    const found = await app.repos.tenants.findByIds(new ObjectId(owner.agencyId), [new ObjectId(mine.id), new ObjectId(theirs.id), new ObjectId()])
    t.same(found.map((record) => record._id.toHexString()), [mine.id])
    t.same(await app.repos.tenants.findByIds(new ObjectId(owner.agencyId), []), [])
  })

  await t.test('another agency\'s tenant is invisible: 404 on get, update and archive, absent from lists', async (t) => {
    const mine = (await owner.post('/v1/tenants', tenant('Priya', 'Private', { email: 'priya@example.test' }))).json()
    for (const response of [
      await other.get(`/v1/tenants/${mine.id}`),
      await other.patch(`/v1/tenants/${mine.id}`, { lastName: 'Stolen' }),
      await other.delete(`/v1/tenants/${mine.id}`)
    ]) {
      t.equal(response.statusCode, 404)
      t.equal(response.json().code, 'NOT_FOUND')
    }
    t.notOk((await other.get('/v1/tenants?limit=100')).json().items.some((item: { id: string }) => item.id === mine.id))
    t.same((await other.get('/v1/tenants?email=priya@example.test')).json().items, [], 'not by email either')
    const feed = await other.get(`/v1/tenants?updatedSince=${encodeURIComponent(new Date(0).toISOString())}&limit=100`)
    t.notOk(feed.json().items.some((item: { id: string }) => item.id === mine.id))
    t.match((await owner.get(`/v1/tenants/${mine.id}`)).json(), { lastName: 'Private', archived: false }, 'unchanged')
  })

  await t.test('viewers read but cannot write', async (t) => {
    const viewer = await staff(app, owner, 'viewer')
    const existing = (await owner.post('/v1/tenants', tenant('Vic', 'Viewed'))).json()
    t.equal((await viewer.get('/v1/tenants')).statusCode, 200)
    t.equal((await viewer.get(`/v1/tenants/${existing.id}`)).statusCode, 200)
    for (const denied of [
      await viewer.post('/v1/tenants', tenant('No', 'Pe')),
      await viewer.patch(`/v1/tenants/${existing.id}`, { lastName: 'Changed' }),
      await viewer.delete(`/v1/tenants/${existing.id}`)
    ]) {
      t.equal(denied.statusCode, 403)
      t.equal(denied.json().code, 'FORBIDDEN')
    }
    const manager = await staff(app, owner, 'manager')
    t.equal((await manager.post('/v1/tenants', tenant('Man', 'Aged'))).statusCode, 201)
  })

  await t.test('strict input: unknown fields, operators, bad values, ids and limits answer 400 and write nothing', async (t) => {
    const existing = (await owner.post('/v1/tenants', tenant('Stan', 'Strict', { phone: '+15551234567' }))).json()
    const before = await app.mongo.db!.collection('tenants').countDocuments()
    const cases = [
      await owner.post('/v1/tenants', tenant('Extra', 'Field', { agencyId: other.agencyId })),
      await owner.post('/v1/tenants', tenant('Op', 'Erator', { email: { $ne: '' } })),
      await owner.post('/v1/tenants', { firstName: 'Only' }),
      await owner.post('/v1/tenants', tenant('Bad', 'Phone', { phone: '07700 900123' })),
      await owner.post('/v1/tenants', tenant('Bad', 'Date', { dateOfBirth: '1990-02-30' })),
      await owner.post('/v1/tenants', tenant('Bad', 'Email', { email: 'nobody' })),
      await owner.post('/v1/tenants', tenant('Null', 'Create', { phone: null })),
      await owner.patch(`/v1/tenants/${existing.id}`, { firstName: null }),
      await owner.patch(`/v1/tenants/${existing.id}`, { phone: '' }),
      await owner.patch(`/v1/tenants/${existing.id}`, { phone: 0 }),
      await owner.patch(`/v1/tenants/${existing.id}`, { archived: false }),
      await owner.patch(`/v1/tenants/${existing.id}`, {}),
      await owner.patch('/v1/tenants/not-an-id', { lastName: 'x' }),
      await owner.get('/v1/tenants?limit=0'),
      await owner.get('/v1/tenants?email[$ne]=x'),
      await owner.get('/v1/tenants?sort=email')
    ]
    t.same(cases.map((r) => r.statusCode), cases.map(() => 400))
    t.same(cases.map((r) => r.json().code), cases.map(() => 'VALIDATION_ERROR'))
    t.match(cases[0]!.json().details, [{ path: '/body', message: "unknown field 'agencyId'" }])
    t.equal(await app.mongo.db!.collection('tenants').countDocuments(), before, 'nothing was written')
    t.same((await owner.get(`/v1/tenants/${existing.id}`)).json(), existing, 'the tenant is unchanged')
  })

  await t.test('conditional GET: the ETag answers 304 until the tenant changes', async (t) => {
    const created = (await owner.post('/v1/tenants', tenant('Ed', 'Etag'))).json()
    const first = await owner.get(`/v1/tenants/${created.id}`)
    const etag = first.headers.etag as string
    t.ok(etag)
    const again = await owner.get(`/v1/tenants/${created.id}`, { 'if-none-match': etag })
    t.equal(again.statusCode, 304)
    t.equal(again.body, '')
    await owner.patch(`/v1/tenants/${created.id}`, { firstName: 'Eddie' })
    t.equal((await owner.get(`/v1/tenants/${created.id}`, { 'if-none-match': etag })).statusCode, 200)
    const list = await owner.get('/v1/tenants')
    t.equal((await owner.get('/v1/tenants', { 'if-none-match': list.headers.etag as string })).statusCode, 304, 'lists too')
  })
})
