// A lease's money history never grows its ledger document towards MongoDB's
// 16 MiB limit: past 1,000 items its settled history older than a year folds
// into the carried balance at the next change, every side of the money still
// agreeing; changes that would reach into the closed history are refused; and
// what cannot fold (open charges, credit) is bounded by LEDGER_FULL.
import { test, type Test } from 'tap'
import { BSON, ObjectId } from 'mongodb'
import { build, type App } from '../helper.ts'
import { signup, type Caller } from '../support/session.ts'
import { leasedUnit } from '../support/portfolio.ts'
import { leaseMoney, moneyProblems } from '../support/money-invariants.ts'
import { expectedDashboard, withoutClock } from '../support/dashboard-oracle.ts'
import { charge, payment, storeHistory } from '../support/stored-ledger.ts'
import { HARD_LEDGER_BYTES, MAX_LEDGER_BYTES, MAX_LIVE_ITEMS } from '../../plugins/app/ledger/fold.ts'

const DAY = 86_400_000
const daysAgo = (days: number) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - days * DAY)
const ledgerDoc = (app: App, leaseId: string) => app.mongo.db!.collection('ledgers').findOne({ _id: new ObjectId(leaseId) })

async function everySideAgrees (t: Test, app: App, owner: Caller, leaseId: string): Promise<void> {
  t.same(moneyProblems(await leaseMoney(app, owner.agencyId, leaseId)), [], 'the ledger, its charges and its payments agree')
  t.same(withoutClock((await owner.get('/v1/dashboard')).json()), await expectedDashboard(app, owner.agencyId, new Date().toISOString().slice(0, 7)), 'the dashboard equals the raw data')
  t.same(await app.rollups.reconcile(new ObjectId(owner.agencyId)), [], 'and the reconciliation finds no drift')
}

test('a long history folds at the next change, and every side of the money still agrees', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Long Lettings')
  const { lease } = await leasedUnit(owner, 'L1', { startDate: '2020-01-01', endDate: null })
  // Five years of a charge every other day, each paid the next day; the last payment pays half.
  const charges = Array.from({ length: 700 }, (_, i) => charge(daysAgo(1_800 - 2 * i), 1_000, i === 3 ? { voided: true, voidedAt: daysAgo(1_790) } : {}))
  const payments = Array.from({ length: 700 }, (_, i) => payment(new Date(daysAgo(1_800 - 2 * i).getTime() + DAY), i === 699 ? 500 : 1_000, i === 5 ? { reversed: true, reversedAt: daysAgo(1_780), reversalReason: 'bounced' } : {}))
  // A month of recent rent nobody has paid yet.
  charges.push(charge(daysAgo(20), 90_000, { kind: 'rent', key: 'rent:recent', description: 'Rent' }))
  await storeHistory(app, owner.agencyId, lease.id, charges, payments)
  const stored = await ledgerDoc(app, lease.id)
  t.equal(stored!.charges.length + stored!.payments.length, 1_401, 'stored with every item')

  const fee = await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'Key replacement', amount: 2_000, dueDate: new Date().toISOString().slice(0, 10) })
  t.equal(fee.statusCode, 201)
  const folded = (await ledgerDoc(app, lease.id))!
  t.ok(folded.charges.length + folded.payments.length < 20, `the next change folded it: ${folded.charges.length} charges and ${folded.payments.length} payments left`)
  t.equal(folded.carried.charges + folded.carried.payments + folded.charges.length + folded.payments.length, 1_402, 'every item is either folded or kept')
  t.ok(BSON.calculateObjectSize(folded) < 100_000, `the document shrank to ${BSON.calculateObjectSize(folded).toLocaleString('en-US')} bytes`)
  t.equal(folded.totalCharged, 699 * 1_000 + 90_000 + 2_000, 'totals count the folded history')
  t.equal(folded.outstanding, 699 * 1_000 + 90_000 + 2_000 - (698 * 1_000 + 500))
  t.equal((await owner.get(`/v1/leases/${lease.id}/balance`)).json().outstanding, folded.outstanding, 'the balance agrees')
  await everySideAgrees(t, app, owner, lease.id)

  await t.test('the closed history is final: changes that would reach into it are refused', async (t) => {
    const closed = async (label: string, response: Promise<{ statusCode: number, json: () => { code: string } }>) => {
      const answer = await response
      t.same([answer.statusCode, answer.json().code], [409, 'LEDGER_CLOSED'], label)
    }
    await closed('a charge due in the closed history', owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'late', amount: 100, dueDate: daysAgo(1_000).toISOString().slice(0, 10) }))
    await closed('a payment received in it', owner.post('/v1/payments', { leaseId: lease.id, amount: 100, method: 'cash', receivedAt: daysAgo(1_000).toISOString() }))
    await closed('voiding a folded charge', owner.delete(`/v1/charges/${charges[10]!._id.toHexString()}`))
    await closed('describing one', owner.patch(`/v1/charges/${charges[10]!._id.toHexString()}`, { description: 'renamed' }))
    await closed('reversing a folded payment', owner.post(`/v1/payments/${payments[10]!._id.toHexString()}/reversal`, { reason: 'late' }))
    await closed('amending one', owner.patch(`/v1/payments/${payments[10]!._id.toHexString()}`, { reference: 'x' }))
    const partly = folded.charges.find((c: { paidBefore?: number }) => (c.paidBefore ?? 0) > 0)
    t.ok(partly !== undefined, 'one charge was partly paid by folded payments')
    await closed('voiding it', owner.delete(`/v1/charges/${partly._id.toHexString()}`))

    const again = await owner.delete(`/v1/charges/${charges[3]!._id.toHexString()}`)
    t.same([again.statusCode, again.json().status], [200, 'voided'], 'voiding a folded voided charge again is a harmless repeat')
    const reversed = await owner.post(`/v1/payments/${payments[5]!._id.toHexString()}/reversal`, { reason: 'again' })
    t.same([reversed.statusCode, reversed.json().status], [200, 'reversed'], 'and so is reversing a folded reversed payment')
    const prepared = await app.money.preparePayment(new ObjectId(owner.agencyId), { leaseId: new ObjectId(lease.id), amount: 1_000, receivedAt: payments[20]!.receivedAt, method: 'bank_transfer', reference: null })
    const replay = await app.money.recordPayment(prepared, payments[20]!._id)
    t.equal(replay._id.toHexString(), payments[20]!._id.toHexString(), 'a retried payment already folded answers as a replay, counted once')

    t.equal((await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'today', amount: 700, dueDate: new Date().toISOString().slice(0, 10) })).statusCode, 201, 'today is open')
    t.equal((await owner.post('/v1/payments', { leaseId: lease.id, amount: 300, method: 'cash' })).statusCode, 201)
    await everySideAgrees(t, app, owner, lease.id)
  })
})

test('what cannot fold is bounded: past 10,000 open items only a change that settles money is taken', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Full Lettings')

  await t.test('open charges: another charge is refused, a payment (it settles one) is taken', async (t) => {
    const { lease } = await leasedUnit(owner, 'F1', { startDate: '2026-01-01', endDate: null })
    await storeHistory(app, owner.agencyId, lease.id, Array.from({ length: MAX_LIVE_ITEMS }, (_, i) => charge(daysAgo(i % 200), 100)), [])
    const more = await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'one more', amount: 100, dueDate: new Date().toISOString().slice(0, 10) })
    t.same([more.statusCode, more.json().code], [409, 'LEDGER_FULL'])
    for (let i = 0; i < 3; i++) t.equal((await owner.post('/v1/payments', { leaseId: lease.id, amount: 100, method: 'cash' })).statusCode, 201, `payment ${i + 1} is taken`)
    const ledger = (await ledgerDoc(app, lease.id))!
    t.ok(ledger.charges.length + ledger.payments.length <= MAX_LIVE_ITEMS + 1, `what each payment settled folded at the next: ${ledger.charges.length + ledger.payments.length} items`)
    t.equal((await owner.delete(`/v1/charges/${ledger.charges.at(-1)._id.toHexString()}`)).statusCode, 200, 'a void is always taken')
    t.same(moneyProblems(await leaseMoney(app, owner.agencyId, lease.id)), [])
  })

  await t.test('credit: another payment is refused, a charge (it takes the credit) is taken', async (t) => {
    const { lease } = await leasedUnit(owner, 'F2', { startDate: '2026-01-01', endDate: null })
    await storeHistory(app, owner.agencyId, lease.id, [], Array.from({ length: MAX_LIVE_ITEMS }, (_, i) => payment(daysAgo(i % 200), 100)))
    const more = await owner.post('/v1/payments', { leaseId: lease.id, amount: 100, method: 'cash' })
    t.same([more.statusCode, more.json().code], [409, 'LEDGER_FULL'])
    t.equal((await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'takes credit', amount: 250, dueDate: new Date().toISOString().slice(0, 10) })).statusCode, 201)
    t.same(moneyProblems(await leaseMoney(app, owner.agencyId, lease.id)), [])
  })

  await t.test('bytes: long texts reach the byte bound before the item bound, and no write passes the hard one', async (t) => {
    const { lease } = await leasedUnit(owner, 'F3', { startDate: '2026-01-01', endDate: null })
    // 200 four-byte characters: the longest reference the schema allows.
    const reference = '\u{1F3E0}'.repeat(200)
    await storeHistory(app, owner.agencyId, lease.id, [], Array.from({ length: 9_500 }, (_, i) => payment(daysAgo(i % 200), 100, { reference })))
    t.ok(BSON.calculateObjectSize((await ledgerDoc(app, lease.id))!) > MAX_LEDGER_BYTES, 'stored past the byte bound')
    const more = await owner.post('/v1/payments', { leaseId: lease.id, amount: 100, method: 'cash', reference })
    t.same([more.statusCode, more.json().code], [409, 'LEDGER_FULL'], 'more credit is refused')
    t.equal((await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'takes credit', amount: 100, dueDate: new Date().toISOString().slice(0, 10) })).statusCode, 201, 'a charge that takes credit is taken')
    t.ok(BSON.calculateObjectSize((await ledgerDoc(app, lease.id))!) < HARD_LEDGER_BYTES, 'the document stays under the hard bound')
  })
})
