// The demo agency (npm run seed, npm run dev): made through the API and the scheduled jobs,
// with a login per role and a correct dashboard, once; only into an empty database for npm run dev.
import { test } from 'tap'
import type { Document } from 'mongodb'
import { build } from '../helper.ts'
import { dashboardMatches } from '../support/dashboard-oracle.ts'
import { leaseMoney, moneyProblems } from '../support/money-invariants.ts'
import { signup } from '../support/session.ts'
import { DEMO_LOGINS, removeDemo, seedDemo } from '../../scripts/seed/demo.ts'
import { GENERATORS } from '../../scripts/seed/generators.ts'
import { scalePlan } from '../../scripts/seed/plan.ts'

/** A user as the benchmark seed writes one (with the fields sign-up writes). */
function benchUser (): Document {
  const plan = scalePlan('XS', 1)
  const users = GENERATORS.find((generator) => generator.collection === 'users')!
  return [...users.generate(plan.agencies[0]!, { plan, passwordHash: '$argon2id$stand-in' })][0]!
}

test('the demo agency: made through the API, a login per role, a correct dashboard, created once', async (t) => {
  const app = await build(t)
  t.equal(await seedDemo(app), 'created')
  t.equal(await seedDemo(app), 'exists', 'a second run changes nothing')

  const [owner] = DEMO_LOGINS
  const agencyId = (await app.repos.users.globalFindByEmailForLogin(owner!.email, 10)).find((user) => user.role === 'owner')!.agencyId
  const db = app.mongo.db!
  const written = await db.collection('users').findOne({ agencyId, role: 'owner' })
  t.same(Object.keys(benchUser()).sort(), Object.keys(written!).sort(), 'seeded users have the fields sign-up writes')
  const count = (collection: string, filter: Document = {}) => db.collection(collection).countDocuments({ agencyId, ...filter })
  t.equal(await count('properties'), 6)
  t.equal(await count('units'), 30)
  t.equal(await count('leases', { status: 'active' }), 25, 'active leases')
  t.equal(await count('leases', { status: 'ended' }), 4, 'ended leases')
  t.equal(await count('leases', { status: 'terminated' }), 1, 'a terminated lease')
  const rents = await count('charges', { kind: 'rent' })
  t.ok(rents > 100, `months of rent (${rents})`)
  t.ok(await count('charges', { status: 'open', overdue: true }) > 0, 'some arrears')
  t.ok(await count('payments', { status: 'reversed' }) === 1, 'a bounced payment')
  t.equal(await count('maintenance_requests'), 9)

  for (const login of DEMO_LOGINS) await dashboardMatches(t, app, login.email, login.password, agencyId.toHexString())
  const leases = await db.collection('ledgers').find({ agencyId }, { projection: { _id: 1 } }).toArray()
  const problems = (await Promise.all(leases.map(async (l) => moneyProblems(await leaseMoney(app, agencyId.toHexString(), l._id.toHexString()))))).flat()
  t.same(problems, [], 'every lease\'s money agrees from every side')
  t.same(await app.rollups.reconcile(agencyId), [], 'the summaries were kept right by the write path')

  t.equal(await removeDemo(db), true, '--fresh removes it')
  t.equal(await db.collection('units').countDocuments({ agencyId }) + await db.collection('agencies').countDocuments({ _id: agencyId }), 0, 'with everything of it')
  t.equal(await seedDemo(app), 'created', 'and it is made again')
})

test('npm run dev seeds the demo only into an empty database', async (t) => {
  const app = await build(t)
  await signup(app, 'Someone Else Lettings')
  t.equal(await seedDemo(app, { onlyIntoEmpty: true }), 'skipped')
  t.equal(await app.mongo.db!.collection('agencies').countDocuments(), 1, 'nothing was added')
})
