// npm run migrate brings a database of the one-agency-per-email model to the
// model where an email may have an account at several agencies: the global
// unique email index becomes a plain login index, the per-agency one appears,
// and the users that were there sign in and keep their sessions.
import { test } from 'tap'
import { MongoClient, ObjectId } from 'mongodb'
import { testContext } from '../helper.ts'
import { PASSWORD, signup } from '../support/session.ts'
import { migrateUrls } from '../../scripts/migrate.ts'

test('migrate: from one account per email to one per email and agency', async (t) => {
  const context = await testContext(t)
  const owner = await signup(await context.build(), 'Old Agency')
  const client = new MongoClient(context.env.MONGODB_URL!)
  t.teardown(() => client.close())
  const db = client.db()
  const before = await db.collection('users').find().toArray()

  // The database as the previous release left it: users indexed by a unique email, no session versions.
  await db.collection('users').drop()
  await db.collection('users').createIndex({ email: 1 }, { unique: true, name: 'email_1' })
  await db.collection('users').insertMany(before.map(({ sessionVersion: _dropped, ...user }) => user))
  await t.rejects(db.collection('users').insertOne({ ...before[0], _id: new ObjectId(), agencyId: new ObjectId() }), /E11000/, 'the old model: one account per email')

  const report = await migrateUrls(context.env.MONGODB_URL!, context.env.DATABASE_URL!)
  t.ok(report.mongo.rebuilt.includes('users.email_1'), 'the unique email index is rebuilt as the login index')
  t.ok(report.mongo.created.includes('users.agencyId_1_email_1'), 'the per-agency unique index is created')
  const indexes = new Map((await db.collection('users').listIndexes().toArray()).map((index) => [index.name as string, index]))
  t.notOk(indexes.get('email_1')?.unique, 'no longer unique across agencies')
  t.same(indexes.get('email_1')?.key, { email: 1, _id: 1 })
  t.equal(indexes.get('agencyId_1_email_1')?.unique, true)
  t.same(await migrateUrls(context.env.MONGODB_URL!, context.env.DATABASE_URL!).then((again) => again.mongo.rebuilt), [], 'a second run changes nothing')

  const app = await context.build()
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${owner.accessToken}` } })).statusCode, 200, 'a token from before the migration still works')
  t.equal((await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: owner.email, password: PASSWORD } })).statusCode, 200, 'and the user signs in')
  const other = await signup(app, 'New Agency')
  const added = await other.post('/v1/users', { email: owner.email, name: 'Same Person', role: 'viewer', password: 'a password of the new agency' })
  t.equal(added.statusCode, 201, 'another agency adds the same email')
  t.equal((await other.post('/v1/users', { email: owner.email, name: 'Twice', role: 'viewer', password: 'a password of the new agency' })).json().code, 'EMAIL_TAKEN', 'once per agency')
  const demoted = await app.inject({ method: 'PATCH', url: `/v1/users/${added.json().id}`, headers: { authorization: `Bearer ${other.accessToken}` }, payload: { role: 'manager' } })
  t.equal(demoted.statusCode, 200, 'a user without a stored session version changes like any other')
})
