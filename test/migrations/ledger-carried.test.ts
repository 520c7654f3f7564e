// npm run migrate brings ledgers written before folding to the new shape: a
// carried balance on every ledger, and long clean histories folded, with every
// side of the money still agreeing; a second run has nothing to do.
import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build } from '../helper.ts'
import { signup } from '../support/session.ts'
import { leasedUnit } from '../support/portfolio.ts'
import { leaseMoney, moneyProblems } from '../support/money-invariants.ts'
import { charge, payment, storeHistory } from '../support/stored-ledger.ts'
import { migrate } from '../../migrations/index.ts'

const DAY = 86_400_000
const daysAgo = (days: number) => new Date(Date.now() - days * DAY)

test('the migration gives every ledger a carried balance and folds long histories', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Old Data Lettings')
  const history = (n: number) => [Array.from({ length: n }, (_, i) => charge(daysAgo(2_000 - i), 1_000)), Array.from({ length: n }, (_, i) => payment(daysAgo(1_999 - i), 1_000))] as const
  const [long, short, dirty] = await Promise.all(['M1', 'M2', 'M3'].map(async (label) => (await leasedUnit(owner, label)).lease))
  await storeHistory(app, owner.agencyId, long!.id, ...history(800))
  await storeHistory(app, owner.agencyId, short!.id, ...history(20))
  await storeHistory(app, owner.agencyId, dirty!.id, ...history(800))
  const ledgers = app.mongo.db!.collection('ledgers')
  await ledgers.updateOne({ _id: new ObjectId(dirty!.id) }, { $set: { dirtySince: new Date() } })
  t.equal(await ledgers.countDocuments({ carried: { $exists: true } }), 0, 'stored in the old shape')

  const first = await migrate(app.mongo.db!, app.pg.pool)
  t.same(first.ledgers, { carried: 3, folded: 1, leftDirty: 1 }, 'the report says what it did')
  t.equal(await ledgers.countDocuments({ carried: { $exists: true } }), 3, 'every ledger has a carried balance')
  const folded = (await ledgers.findOne({ _id: new ObjectId(long!.id) }))!
  t.ok(folded.charges.length + folded.payments.length < 10, 'the long clean history folded')
  t.equal(folded.carried.charges, 800, 'all its settled charges')
  t.equal((await ledgers.findOne({ _id: new ObjectId(short!.id) }))!.charges.length, 20, 'a short one is left as it was')
  t.equal((await ledgers.findOne({ _id: new ObjectId(dirty!.id) }))!.charges.length, 800, 'a dirty one waits for the repair job')
  for (const lease of [long!, short!]) t.same(moneyProblems(await leaseMoney(app, owner.agencyId, lease.id)), [], `lease ${lease.id}: every side agrees`)
  t.same(await app.rollups.reconcile(new ObjectId(owner.agencyId)), [], 'the dashboard\'s summaries still hold')

  t.same((await migrate(app.mongo.db!, app.pg.pool)).ledgers, { carried: 0, folded: 0, leftDirty: 1 }, 'a second run has nothing to do')
  t.equal((await owner.post('/v1/payments', { leaseId: long!.id, amount: 500, method: 'cash' })).statusCode, 201, 'the folded ledger takes money')
  t.same(moneyProblems(await leaseMoney(app, owner.agencyId, long!.id)), [])
})
