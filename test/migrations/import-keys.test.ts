// npm run migrate gives the properties and tenants written before import keys
// existed their own key (so the unique { agencyId, importKey } index can be
// built), drops the index it replaces, and a second run has nothing to do.
// Imports then still find their natural keys, and API-created documents never
// collide with each other or with an import.
import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build } from '../helper.ts'
import { signup } from '../support/session.ts'
import { migrate } from '../../migrations/index.ts'

const address = { line1: '1 Old Street', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' }

test('the migration keys old documents, replaces the first index, and is idempotent', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Keyed Lettings')
  const db = app.mongo.db!
  const properties = db.collection('properties')
  const tenants = db.collection('tenants')
  const now = new Date()
  const oldProperty = { _id: new ObjectId(), agencyId: new ObjectId(owner.agencyId), name: 'Old House', kind: 'residential', address, archived: false, archivedAt: null, createdAt: now, updatedAt: now }
  const oldTenants = [0, 1].map(() => ({ _id: new ObjectId(), agencyId: new ObjectId(owner.agencyId), firstName: 'Ada', lastName: 'Old', archived: false, archivedAt: null, createdAt: now, updatedAt: now }))
  // The shape and the index before: no key, and unique on importKey alone.
  await properties.dropIndex('agencyId_1_importKey_1')
  await tenants.dropIndex('agencyId_1_importKey_1')
  await properties.createIndex({ importKey: 1 }, { unique: true, sparse: true })
  await properties.insertOne(oldProperty)
  await tenants.insertMany(oldTenants)

  const first = await migrate(db, app.pg.pool)
  t.same(first.importKeys, { keyed: 3 }, 'the report counts the documents keyed')
  t.equal((await properties.findOne({ _id: oldProperty._id }))!.importKey, `id:${oldProperty._id.toHexString()}`)
  t.same((await tenants.find({ _id: { $in: oldTenants.map((x) => x._id) } }).toArray()).map((x) => x.importKey).sort(), oldTenants.map((x) => `id:${x._id.toHexString()}`).sort(), 'two tenants of one agency, each its own key')
  const names = (await properties.indexes()).map((index) => index.name)
  t.ok(names.includes('agencyId_1_importKey_1'), 'the unique index is built')
  t.notOk(names.includes('importKey_1'), 'the index it replaces is gone')
  t.same((await migrate(db, app.pg.pool)).importKeys, { keyed: 0 }, 'a second run has nothing to do')

  const created = await owner.post('/v1/properties', { name: 'Old House', kind: 'residential', address })
  t.equal(created.statusCode, 201, 'a property with the same name and address through the API')
  t.equal((await properties.findOne({ _id: new ObjectId(created.json().id) }))!.importKey, `id:${created.json().id}`, 'API documents carry their own key')
})
