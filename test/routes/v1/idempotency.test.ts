// Every creating POST takes an Idempotency-Key with payments' semantics. For each
// create: a first attempt that fails after creating (its answer never stored, as
// when a process dies or a response is lost), then the retry, then a replay,
// leave exactly one resource; the replay answers the first body with
// Idempotent-Replayed: true; the same key with another body answers 422.
import { test } from 'tap'
import { randomUUID } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { build, type App } from '../../helper.ts'
import { signup, type Caller } from '../../support/session.ts'
import { createProperty, createTenant, createUnit, leasedUnit } from '../../support/portfolio.ts'

type Variant = 'same' | 'other'
interface Create {
  name: string
  status: 201 | 202
  send: (headers: Record<string, string>, variant: Variant) => Promise<LightMyRequestResponse>
  /** how many of what the 'same' request creates exist */
  count: () => Promise<number>
}

const items = async (caller: Caller, url: string) => (await caller.get(url)).json().items as Array<Record<string, unknown>>

function multipart (content: string) {
  const boundary = '----haven-idempotency'
  return {
    payload: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="properties.csv"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n--${boundary}--\r\n`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }
  }
}

async function creates (app: App, owner: Caller): Promise<Create[]> {
  const property = await createProperty(owner, 'Idempotent House')
  const unit = await createUnit(owner, property.id, 'I-1')
  const tenant = await createTenant(owner, 'Idempotent')
  const { lease } = await leasedUnit(owner, 'I-2')
  const vacant = await createUnit(owner, property.id, 'I-3')
  const leaseTo = (variant: Variant) => ({ unitId: variant === 'same' ? vacant.id : unit.id, tenantIds: [tenant.id], startDate: '2026-09-01', rent: 90_000 })
  const importFile = (variant: Variant) => multipart(`name,kind,address.line1,address.city,address.postalCode,address.country\n${variant === 'same' ? 'Imported Hall' : 'Other Hall'},residential,1 Quay St,Bristol,BS1 4DJ,GB`)
  const uploads = () => app.mongo.db!.collection('job_files.files').countDocuments({ 'metadata.agencyId': owner.agencyId, 'metadata.jobId': 'upload' })
  return [
    {
      name: 'properties',
      status: 201,
      send: (headers, variant) => owner.post('/v1/properties', { name: `Keyed ${variant}`, kind: 'mixed', address: { line1: '1 Key St', city: 'Hull', postalCode: 'HU1 1AA', country: 'GB' } }, headers),
      count: async () => (await items(owner, '/v1/properties?limit=100')).filter((p) => p.name === 'Keyed same').length
    },
    {
      name: 'units',
      status: 201,
      send: (headers, variant) => owner.post('/v1/units', { propertyId: property.id, label: `K-${variant}`, bedrooms: 1, bathrooms: 1, marketRent: 70_000 }, headers),
      count: async () => (await items(owner, `/v1/units?propertyId=${property.id}&limit=100`)).filter((u) => u.label === 'K-same').length
    },
    {
      name: 'tenants',
      status: 201,
      send: (headers, variant) => owner.post('/v1/tenants', { firstName: 'Kay', lastName: `Keyed-${variant}` }, headers),
      count: async () => (await items(owner, '/v1/tenants?limit=100')).filter((x) => x.lastName === 'Keyed-same').length
    },
    {
      name: 'leases (activated at once)',
      status: 201,
      send: (headers, variant) => owner.post('/v1/leases', { ...leaseTo(variant), activate: true }, headers),
      count: async () => (await items(owner, `/v1/leases?unitId=${vacant.id}&limit=100`)).length
    },
    {
      name: 'charges',
      status: 201,
      send: (headers, variant) => owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: `Keyed ${variant}`, amount: 1_500, dueDate: '2026-06-01' }, headers),
      count: async () => (await items(owner, `/v1/charges?leaseId=${lease.id}&limit=100`)).filter((c) => c.description === 'Keyed same').length
    },
    {
      name: 'payments',
      status: 201,
      send: (headers, variant) => owner.post('/v1/payments', { leaseId: lease.id, amount: variant === 'same' ? 777 : 778, method: 'cash' }, headers),
      count: async () => (await items(owner, `/v1/payments?leaseId=${lease.id}&limit=100`)).filter((p) => p.amount === 777).length
    },
    {
      name: 'maintenance requests',
      status: 201,
      send: (headers, variant) => owner.post('/v1/maintenance-requests', { propertyId: property.id, title: `Keyed ${variant}`, description: 'A dripping tap' }, headers),
      count: async () => (await items(owner, `/v1/maintenance-requests?propertyId=${property.id}&limit=100`)).filter((m) => m.title === 'Keyed same').length
    },
    {
      name: 'users',
      status: 201,
      send: (headers, variant) => owner.post('/v1/users', { email: `keyed-${variant}@example.test`, name: 'Kim Keyed', role: 'viewer', password: 'a long enough password' }, headers),
      count: async () => (await items(owner, '/v1/users?limit=100')).filter((u) => u.email === 'keyed-same@example.test').length
    },
    {
      name: 'exports',
      status: 202,
      send: (headers, variant) => owner.post('/v1/exports', { resource: 'charges', format: variant === 'same' ? 'csv' : 'xlsx' }, headers),
      count: async () => (await items(owner, '/v1/jobs?type=export&limit=100')).length
    },
    {
      name: 'imports (the key covers the file)',
      status: 202,
      send: (headers, variant) => {
        const form = importFile(variant)
        return owner.request({ method: 'POST', url: '/v1/imports?resource=properties', payload: form.payload, headers: { ...form.headers, ...headers } })
      },
      count: async () => {
        const jobs = (await items(owner, '/v1/jobs?type=import&limit=100')).length
        // Only the upload the job reads is kept: a retry's, a replay's and a refused one's are removed.
        return jobs === (await uploads()) ? jobs : -1
      }
    }
  ]
}

test('idempotent creates', async (t) => {
  const app = await build(t, { env: { EXPORT_RATE_LIMIT_MAX: '200' } })
  const owner = await signup(app, 'Keyed Agency')
  const other = await signup(app, 'Other Keyed Agency')
  const keys = app.repos.idempotencyKeys

  for (const create of await creates(app, owner)) {
    await t.test(create.name, async (t) => {
      const key = randomUUID()
      const complete = keys.complete
      keys.complete = async () => { throw new Error('the process died before storing the answer') }
      const failed = await create.send({ 'idempotency-key': key }, 'same').finally(() => { keys.complete = complete })
      t.equal(failed.statusCode, 500, 'the first attempt fails after creating')

      const retried = await create.send({ 'idempotency-key': key }, 'same')
      t.equal(retried.statusCode, create.status, `the retry answers ${create.status}`)
      t.equal(retried.headers['idempotent-replayed'], undefined, 'the retry completes the creation, it is not a replay')
      const first = retried.json()
      t.match(retried.headers.location, new RegExp(`/${first.id}$`), 'Location names it')

      const replay = await create.send({ 'idempotency-key': key }, 'same')
      t.equal(replay.statusCode, create.status)
      t.equal(replay.headers['idempotent-replayed'], 'true')
      t.equal(replay.headers.location, retried.headers.location)
      t.same(replay.json(), first, 'the replay answers the first body')
      t.equal(await create.count(), 1, 'one resource')

      const reused = await create.send({ 'idempotency-key': key }, 'other')
      t.equal(reused.statusCode, 422)
      t.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED')
      t.equal(await create.count(), 1, 'still one resource')
    })
  }

  await t.test('a key belongs to its agency: another agency using it creates its own', async (t) => {
    const key = randomUUID()
    const body = { name: 'Same Key House', kind: 'residential', address: { line1: '2 Key St', city: 'Hull', postalCode: 'HU1 1AB', country: 'GB' } }
    const mine = await owner.post('/v1/properties', body, { 'idempotency-key': key })
    const theirs = await other.post('/v1/properties', body, { 'idempotency-key': key })
    t.equal(theirs.statusCode, 201)
    t.equal(theirs.headers['idempotent-replayed'], undefined)
    t.not(theirs.json().id, mine.json().id)
    t.equal((await other.get(`/v1/properties/${mine.json().id}`)).statusCode, 404, 'and never sees the first agency\'s')
  })

  await t.test('concurrent duplicates create one resource', async (t) => {
    const key = randomUUID()
    const burst = await Promise.all(Array.from({ length: 8 }, () => owner.post('/v1/tenants', { firstName: 'Burst', lastName: 'Keyed' }, { 'idempotency-key': key })))
    t.same(burst.map((response) => response.statusCode), Array(8).fill(201))
    t.equal(new Set(burst.map((response) => response.json().id)).size, 1, 'every answer names the same tenant')
    t.equal((await items(owner, '/v1/tenants?limit=100')).filter((x) => x.lastName === 'Keyed' && x.firstName === 'Burst').length, 1)
  })
})
