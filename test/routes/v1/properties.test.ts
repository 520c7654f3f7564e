import { test } from 'tap'
import { build } from '../../helper.ts'
import { signup, staff } from '../../support/session.ts'

const address = { line1: '1 Quay St', city: 'Bristol', postalCode: 'BS1 1AA', country: 'GB' }
const property = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: 'residential', address, ...extra })

test('properties', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Agency A')
  const other = await signup(app, 'Agency B')

  await t.test('create, get, update, archive', async (t) => {
    const created = await owner.post('/v1/properties', property('Harbour View', { notes: 'gate code with the manager' }))
    t.equal(created.statusCode, 201)
    const body = created.json()
    t.equal(created.headers.location, `/v1/properties/${body.id}`)
    t.match(body, { name: 'Harbour View', kind: 'residential', address, archived: false, archivedAt: null })

    const fetched = await owner.get(`/v1/properties/${body.id}`)
    t.same(fetched.json(), body)
    t.equal(fetched.headers['cache-control'], 'private, no-cache')

    const patched = await owner.patch(`/v1/properties/${body.id}`, { name: 'Harbour View West' })
    t.equal(patched.json().name, 'Harbour View West')
    t.ok(patched.json().updatedAt >= body.updatedAt)

    const archived = await owner.delete(`/v1/properties/${body.id}`)
    t.equal(archived.statusCode, 200)
    t.equal(archived.json().archived, true)
    t.equal((await owner.get(`/v1/properties/${body.id}`)).json().archived, true, 'archived stays readable')
    const current = await owner.get('/v1/properties')
    t.notOk(current.json().items.some((item: { id: string }) => item.id === body.id), 'not among current properties')
    const archivedList = await owner.get('/v1/properties?archived=true')
    t.ok(archivedList.json().items.some((item: { id: string }) => item.id === body.id), 'listed with archived=true')
  })

  await t.test('keyset pages are complete, ordered and stable under inserts', async (t) => {
    const agency = await signup(app, 'Paging Agency')
    for (const name of ['Elm', 'Ash', 'Oak', 'Birch', 'Cedar', 'Fir', 'Yew']) await agency.post('/v1/properties', property(name))
    const first = await agency.get('/v1/properties?sort=name&limit=3')
    t.same(first.json().items.map((p: { name: string }) => p.name), ['Ash', 'Birch', 'Cedar'])
    await agency.post('/v1/properties', property('Alder')) // sorts before the cursor: must not shift the pages
    const second = await agency.get(`/v1/properties?sort=name&limit=3&cursor=${first.json().nextCursor}`)
    t.same(second.json().items.map((p: { name: string }) => p.name), ['Elm', 'Fir', 'Oak'])
    const third = await agency.get(`/v1/properties?sort=name&limit=3&cursor=${second.json().nextCursor}`)
    t.same(third.json().items.map((p: { name: string }) => p.name), ['Yew'])
    t.equal(third.json().nextCursor, null)

    const descending = await agency.get('/v1/properties?sort=-name&limit=2')
    t.same(descending.json().items.map((p: { name: string }) => p.name), ['Yew', 'Oak'])
    const wrongSort = await agency.get(`/v1/properties?sort=createdAt&cursor=${first.json().nextCursor}`)
    t.equal(wrongSort.statusCode, 400)
    t.equal(wrongSort.json().code, 'INVALID_CURSOR')
    t.equal((await agency.get('/v1/properties?cursor=bm90LWEtY3Vyc29y')).json().code, 'INVALID_CURSOR')
  })

  await t.test('filters and the change feed', async (t) => {
    const agency = await signup(app, 'Filter Agency')
    await agency.post('/v1/properties', property('In Leeds', { address: { ...address, city: 'Leeds' } }))
    await agency.post('/v1/properties', property('In Bristol'))
    const leeds = await agency.get('/v1/properties?city=Leeds')
    t.same(leeds.json().items.map((p: { name: string }) => p.name), ['In Leeds'])

    const since = new Date().toISOString()
    await new Promise((resolve) => setTimeout(resolve, 5))
    const bristol = (await agency.get('/v1/properties?city=Bristol')).json().items[0]
    await agency.patch(`/v1/properties/${bristol.id}`, { notes: 'changed' })
    const changes = await agency.get(`/v1/properties?updatedSince=${encodeURIComponent(since)}`)
    t.same(changes.json().items.map((p: { name: string }) => p.name), ['In Bristol'], 'only what changed since')
  })

  await t.test('another agency\'s property is invisible: 404 on get, update and archive, absent from lists', async (t) => {
    const mine = (await owner.post('/v1/properties', property('Private Place'))).json()
    for (const response of [
      await other.get(`/v1/properties/${mine.id}`),
      await other.patch(`/v1/properties/${mine.id}`, { name: 'Stolen' }),
      await other.delete(`/v1/properties/${mine.id}`)
    ]) {
      t.equal(response.statusCode, 404)
      t.equal(response.json().code, 'NOT_FOUND')
    }
    const theirs = await other.get('/v1/properties?archived=false')
    t.notOk(theirs.json().items.some((item: { id: string }) => item.id === mine.id))
    const feed = await other.get(`/v1/properties?updatedSince=${encodeURIComponent(new Date(0).toISOString())}`)
    t.notOk(feed.json().items.some((item: { id: string }) => item.id === mine.id))
    t.equal((await owner.get(`/v1/properties/${mine.id}`)).json().name, 'Private Place', 'unchanged')
  })

  await t.test('viewers read but cannot write', async (t) => {
    const viewer = await staff(app, owner, 'viewer')
    t.equal((await viewer.get('/v1/properties')).statusCode, 200)
    const denied = await viewer.post('/v1/properties', property('Nope'))
    t.equal(denied.statusCode, 403)
    t.equal(denied.json().code, 'FORBIDDEN')
    const manager = await staff(app, owner, 'manager')
    t.equal((await manager.post('/v1/properties', property('Managed'))).statusCode, 201)
  })

  await t.test('strict input: unknown fields, operators, bad ids and limits answer 400 and write nothing', async (t) => {
    const before = await app.mongo.db!.collection('properties').countDocuments()
    const cases = [
      await owner.post('/v1/properties', property('Extra', { ownerId: 'x' })),
      await owner.post('/v1/properties', { ...property('Op'), name: { $gt: '' } }),
      await owner.post('/v1/properties', property('Bad address', { address: { ...address, $where: '1' } })),
      await owner.patch('/v1/properties/not-an-id', { name: 'x' }),
      await owner.patch('/v1/properties/0123456789abcdef01234567', {}),
      await owner.get('/v1/properties?limit=1000'),
      await owner.get('/v1/properties?archived[$ne]=true'),
      await owner.get('/v1/properties?sort=secret'),
      await owner.request({ method: 'POST', url: '/v1/properties', payload: '{"name": ', headers: { 'content-type': 'application/json' } })
    ]
    t.same(cases.map((r) => r.statusCode), cases.map(() => 400))
    t.same(cases.map((r) => r.json().code), ['VALIDATION_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR', 'VALIDATION_ERROR', 'INVALID_JSON'])
    t.match(cases[0]!.json().details, [{ path: '/body', message: "unknown field 'ownerId'" }])
    t.equal(await app.mongo.db!.collection('properties').countDocuments(), before, 'nothing was written')
  })

  await t.test('conditional GET: the ETag answers 304 until the item changes', async (t) => {
    const created = (await owner.post('/v1/properties', property('Tagged'))).json()
    const first = await owner.get(`/v1/properties/${created.id}`)
    const etag = first.headers.etag as string
    t.ok(etag)
    const again = await owner.get(`/v1/properties/${created.id}`, { 'if-none-match': etag })
    t.equal(again.statusCode, 304)
    t.equal(again.body, '')
    await owner.patch(`/v1/properties/${created.id}`, { name: 'Retagged' })
    t.equal((await owner.get(`/v1/properties/${created.id}`, { 'if-none-match': etag })).statusCode, 200)
    const list = await owner.get('/v1/properties')
    t.equal((await owner.get('/v1/properties', { 'if-none-match': list.headers.etag as string })).statusCode, 304, 'lists too')
  })
})
