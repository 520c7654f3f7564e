// No agency can stall the shared jobs: each round of a scheduled job gives every
// agency a share, and an item that fails is set aside, counted and logged while
// the others go on.
import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build, type App } from '../helper.ts'
import { signup, type Caller } from '../support/session.ts'
import { leasedUnit } from '../support/portfolio.ts'
import { failWhen, taskHelpers } from '../support/crash.ts'
import { charge, storeHistory } from '../support/stored-ledger.ts'
import { scrape } from '../support/scrape.ts'
import { createTaskList } from '../../jobs/index.ts'
import { generateRentCharges } from '../../jobs/generate-rent-charges.ts'
import { MAX_LIVE_ITEMS } from '../../plugins/app/ledger/fold.ts'
import { reasonOf } from '../../plugins/app/fair-rounds.ts'
import { codedError } from '../../plugins/app/error-handler.ts'

const monthStart = (monthsAgo: number) => {
  const now = new Date()
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsAgo, 1)).toISOString().slice(0, 10)
}
const rentCount = async (caller: Caller, leaseId: string) => (await caller.get(`/v1/charges?leaseId=${leaseId}&limit=100`)).json().items.length
const setAsideMetric = async (app: App, task: string, reason: string) => {
  const line = (await scrape(app)).body.split('\n').find((l) => l.startsWith(`haven_job_items_set_aside_total{task="${task}",reason="${reason}"}`))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}
const rentCharges = (app: App, agencyId: string) => app.mongo.db!.collection('charges').countDocuments({ agencyId: new ObjectId(agencyId), kind: 'rent' })

test('rent: an agency with years of rent due on many leases shares each round with the others', async (t) => {
  const app = await build(t)
  const busy = await signup(app, 'Backlog Lettings')
  const other = await signup(app, 'Punctual Lettings')
  // Four years of rent due on ten leases; a round visits each lease for a year of it.
  const [leases, months, round] = [10, 48, 10 * 12]
  for (let i = 0; i < leases; i++) await leasedUnit(busy, `B${i}`, { startDate: monthStart(months - 1), endDate: null, dueDay: 1 })
  const { lease } = await leasedUnit(other, 'P1', { startDate: monthStart(0), endDate: null, dueDay: 1 })
  const continued: string[] = []
  const helpers = { ...taskHelpers as object, addJob: async (task: string) => { continued.push(task) } } as never

  // A budget smaller than the backlog: the run stops part-way, as a run of 100,000 charges would.
  await generateRentCharges(app, round + 10)({}, helpers)
  t.equal(await rentCount(other, lease.id), 1, 'the other agency\'s rent was raised in the first round')
  const raised = await rentCharges(app, busy.agencyId)
  t.ok(raised >= round && raised < leases * months, `the backlog got its share (${raised} of ${leases * months} periods), not the whole run`)
  t.same(continued, ['generate-rent-charges'], 'and the run queued its continuation')

  await generateRentCharges(app)({}, helpers)
  t.equal(await rentCharges(app, busy.agencyId), leases * months, 'the continuation brings every lease up to date')
  t.equal(await rentCount(other, lease.id), 1, 'without raising anything twice')
})

test('rent: leases stored with dates far in the past, or a full ledger, are set aside and counted; the rest is raised', async (t) => {
  const app = await build(t)
  const legacy = await signup(app, 'Legacy Lettings')
  const other = await signup(app, 'Current Lettings')
  const ancient = await Promise.all([0, 1, 2].map(async (i) => (await leasedUnit(legacy, `A${i}`, { startDate: monthStart(2), endDate: null })).lease))
  // As a database written before dates had a range holds them: rent due from year 100 on.
  await app.mongo.db!.collection('leases').updateMany({ _id: { $in: ancient.map((l) => new ObjectId(l.id)) } }, { $set: { startDate: new Date('0100-03-01T00:00:00.000Z'), nextRentDueDate: new Date('0100-03-01T00:00:00.000Z') } })
  const full = (await leasedUnit(legacy, 'F1', { startDate: monthStart(2), endDate: null })).lease
  await storeHistory(app, legacy.agencyId, full.id, Array.from({ length: MAX_LIVE_ITEMS }, (_, i) => charge(new Date(Date.now() - (i % 30) * 86_400_000), 100)), [])
  const fine = (await leasedUnit(legacy, 'OK', { startDate: monthStart(2), endDate: null })).lease
  const elsewhere = (await leasedUnit(other, 'E1', { startDate: monthStart(2), endDate: null })).lease

  await createTaskList(app)['generate-rent-charges']!({}, taskHelpers)
  t.equal(await rentCount(legacy, fine.id), 3, 'the same agency\'s other lease is up to date')
  t.equal(await rentCount(other, elsewhere.id), 3, 'and so is another agency\'s')
  for (const lease of ancient) t.equal(await rentCount(legacy, lease.id), 0, 'no rent from year 100 is raised')
  t.equal(await setAsideMetric(app, 'generate-rent-charges', 'DATE_OUT_OF_RANGE'), 3, 'the year-100 leases are counted')
  t.equal(await setAsideMetric(app, 'generate-rent-charges', 'LEDGER_FULL'), 1, 'and so is the full ledger')
  const stored = await legacy.get(`/v1/leases/${ancient[0]!.id}`)
  t.equal(stored.json().nextRentDueDate, '0100-03-01', 'their schedule did not move', { body: stored.body })
})

test('end-expired-leases, mark-overdue-charges, repair-ledger-projections, reconcile-rollups and warm-dashboards set a failing item aside and do the rest', async (t) => {
  const app = await build(t)
  const tasks = createTaskList(app)
  const [a, b] = await Promise.all([signup(app, 'Failing Lettings'), signup(app, 'Healthy Lettings')])
  const expired = async (caller: Caller, label: string) => (await leasedUnit(caller, label, { startDate: '2025-01-01', endDate: '2025-06-30' })).lease

  await t.test('end-expired-leases', async (t) => {
    const [stuck, other, elsewhere] = [await expired(a, 'X1'), await expired(a, 'X2'), await expired(b, 'X3')]
    const restore = failWhen(app.leaseLifecycle, 'adminEnd', (lease) => (lease as { _id: ObjectId })._id.toHexString() === stuck.id)
    await tasks['end-expired-leases']!({}, taskHelpers)
    restore()
    t.equal((await a.get(`/v1/leases/${stuck.id}`)).json().status, 'active', 'the failing lease is left')
    t.equal((await a.get(`/v1/leases/${other.id}`)).json().status, 'ended', 'the next lease of its agency ended')
    t.equal((await b.get(`/v1/leases/${elsewhere.id}`)).json().status, 'ended', 'and another agency\'s')
    t.equal(await setAsideMetric(app, 'end-expired-leases', 'ERROR'), 1, 'counted')
  })

  await t.test('mark-overdue-charges', async (t) => {
    const charges = app.mongo.db!.collection('charges')
    const raise = async (caller: Caller) => {
      const { lease } = await leasedUnit(caller, `O${Math.random()}`)
      const fee = (await caller.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'late', amount: 100, dueDate: '2026-01-05' })).json()
      await charges.updateOne({ _id: new ObjectId(fee.id) }, { $set: { overdue: false } })
      return fee.id as string
    }
    const [stuck, healthy] = [await raise(a), await raise(b)]
    const restore = failWhen(app.repos.charges, 'markOverdue', (agencyId) => (agencyId as ObjectId).toHexString() === a.agencyId)
    await tasks['mark-overdue-charges']!({}, taskHelpers)
    restore()
    t.equal((await a.get(`/v1/charges/${stuck}`)).json().overdue, false, 'the failing agency is left for the next run')
    t.equal((await b.get(`/v1/charges/${healthy}`)).json().overdue, true, 'the other agency\'s charge is flagged')
    t.equal(await setAsideMetric(app, 'mark-overdue-charges', 'ERROR'), 1)
  })

  await t.test('repair-ledger-projections', async (t) => {
    const [stuck, healthy] = [(await leasedUnit(a, 'R1')).lease, (await leasedUnit(b, 'R2')).lease]
    for (const caller of [a, b]) await caller.post('/v1/charges', { leaseId: caller === a ? stuck.id : healthy.id, kind: 'fee', description: 'x', amount: 100, dueDate: '2026-01-05' })
    const ledgers = app.mongo.db!.collection('ledgers')
    await ledgers.updateMany({ _id: { $in: [new ObjectId(stuck.id), new ObjectId(healthy.id)] } }, { $set: { dirtySince: new Date(Date.now() - 3_600_000) } })
    const restore = failWhen(app.ledger, 'repair', (ledger) => (ledger as { _id: ObjectId })._id.toHexString() === stuck.id)
    await tasks['repair-ledger-projections']!({}, taskHelpers)
    restore()
    t.not((await ledgers.findOne({ _id: new ObjectId(stuck.id) }))!.dirtySince, null, 'the failing ledger is left')
    t.equal((await ledgers.findOne({ _id: new ObjectId(healthy.id) }))!.dirtySince, null, 'the other is repaired')
    t.equal(await setAsideMetric(app, 'repair-ledger-projections', 'ERROR'), 1)
  })

  await t.test('reconcile-rollups', async (t) => {
    const summaries = app.mongo.db!.collection('agency_summaries')
    for (const caller of [a, b]) {
      await caller.get('/v1/dashboard')
      await summaries.updateOne({ _id: new ObjectId(caller.agencyId) }, { $inc: { properties: 7 } })
    }
    const restore = failWhen(app.rollups, 'reconcile', (agencyId) => (agencyId as ObjectId).toHexString() === a.agencyId)
    await tasks['reconcile-rollups']!({}, taskHelpers)
    restore()
    const properties = async (caller: Caller) => (await summaries.findOne({ _id: new ObjectId(caller.agencyId) }))!.properties
    t.equal(await properties(b), (await b.get('/v1/properties?limit=100')).json().items.length, 'the other agency was reconciled')
    t.equal(await properties(a), (await a.get('/v1/properties?limit=100')).json().items.length + 7, 'the failing one is left as it was')
    t.equal(await setAsideMetric(app, 'reconcile-rollups', 'ERROR'), 1)
  })

  await t.test('warm-dashboards', async (t) => {
    const warmed: string[] = []
    const restore = failWhen(app.dashboard, 'warm', (agencyId) => {
      warmed.push((agencyId as ObjectId).toHexString())
      return (agencyId as ObjectId).toHexString() === a.agencyId
    })
    await tasks['warm-dashboards']!({}, taskHelpers)
    restore()
    t.same(warmed.sort(), [a.agencyId, b.agencyId].sort(), 'both active agencies were tried')
    t.equal(await setAsideMetric(app, 'warm-dashboards', 'ERROR'), 1)
  })
})

test('a set-aside item is counted under a bounded reason', async (t) => {
  t.equal(reasonOf(codedError(409, 'LEDGER_FULL', 'full')), 'LEDGER_FULL', 'our error codes')
  t.equal(reasonOf(new Error('Document is larger than the maximum size 16777216')), 'DOCUMENT_TOO_LARGE', 'a document over MongoDB\'s limit, as the driver refuses it')
  t.equal(reasonOf(Object.assign(new Error('object to insert exceeds the maximum size'), { code: 10334 })), 'DOCUMENT_TOO_LARGE', 'as the server says it')
  t.equal(reasonOf(new Error('connection reset')), 'ERROR', 'anything else')
  t.equal(reasonOf(Object.assign(new Error('x'), { code: 'FST_ERR_X' })), 'ERROR', 'never a framework code')
})
