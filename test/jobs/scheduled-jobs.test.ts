import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build } from '../helper.ts'
import { signup } from '../support/session.ts'
import { leasedUnit } from '../support/portfolio.ts'
import { leaseMoney, moneyProblems } from '../support/money-invariants.ts'
import { taskHelpers } from '../support/crash.ts'
import { createTaskList, crontab, ON_DEMAND_TASKS } from '../../jobs/index.ts'
import { parseCrontab } from 'graphile-worker'

const isoMonthsAgo = (months: number, day: number) => {
  const now = new Date()
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, day)).toISOString().slice(0, 10)
}

test('scheduled jobs', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Job Agency')
  const tasks = createTaskList(app)
  const run = (name: string) => tasks[name]!({}, taskHelpers)

  await t.test('the crontab names every task with an explicit id', async (t) => {
    const items = parseCrontab(crontab)
    t.same(items.map((item) => item.identifier).sort(), Object.keys(tasks).filter((task) => !(ON_DEMAND_TASKS as readonly string[]).includes(task)).sort())
    for (const item of items) t.equal(item.identifier, item.task, `${item.task} has id=${item.task}`)
  })

  await t.test('rent: one charge per period up to today, catching up missed months; a second run adds nothing', async (t) => {
    const { lease } = await leasedUnit(owner, 'R1', { startDate: isoMonthsAgo(3, 1), endDate: null, dueDay: 1, rent: 80_000 })
    await run('generate-rent-charges')
    const charges = (await owner.get(`/v1/charges?leaseId=${lease.id}&limit=100`)).json().items
    t.equal(charges.length, 4, 'three months back and this month')
    t.ok(charges.every((c: { kind: string, amount: number }) => c.kind === 'rent' && c.amount === 80_000))
    t.equal(new Set(charges.map((c: { period: string }) => c.period)).size, 4, 'one per period')

    await run('generate-rent-charges')
    t.equal((await owner.get(`/v1/charges?leaseId=${lease.id}&limit=100`)).json().items.length, 4, 'a second run is a no-op')
    const next = (await owner.get(`/v1/leases/${lease.id}`)).json().nextRentDueDate
    t.equal(next, isoMonthsAgo(-1, 1), 'next rent is next month')
  })

  await t.test('rent: many leases months behind are all brought up to date in one run', async (t) => {
    const agency = await signup(app, 'Catch-up Agency')
    const leases = []
    for (let i = 0; i < 6; i++) leases.push((await leasedUnit(agency, `C${i}`, { startDate: isoMonthsAgo(1 + i, 1 + i), endDate: null, dueDay: 1 + i, rent: 10_000 })).lease)
    await run('generate-rent-charges')
    for (const [i, lease] of leases.entries()) {
      const charges = (await agency.get(`/v1/charges?leaseId=${lease.id}&limit=100`)).json().items
      const dueThisMonth = new Date().getUTCDate() >= 1 + i ? 1 : 0
      t.equal(charges.length, 1 + i + dueThisMonth, `lease ${i}: every period due so far`)
    }
  })

  await t.test('rent stops at the end date; a crash between the charge and the schedule never doubles it', async (t) => {
    const { lease } = await leasedUnit(owner, 'R2', { startDate: isoMonthsAgo(2, 10), endDate: isoMonthsAgo(1, 20), dueDay: 10, rent: 50_000 })
    // The schedule write is lost once: the next run meets a period already charged.
    const leases = app.repos.leases as unknown as { advanceRent: (...args: unknown[]) => Promise<unknown> }
    const original = leases.advanceRent
    leases.advanceRent = async () => null
    await run('generate-rent-charges')
    leases.advanceRent = original
    await run('generate-rent-charges')
    const charges = (await owner.get(`/v1/charges?leaseId=${lease.id}`)).json().items
    t.same(charges.map((c: { period: string }) => c.period), [isoMonthsAgo(2, 1).slice(0, 7), isoMonthsAgo(1, 1).slice(0, 7)])
    t.same(moneyProblems(await leaseMoney(app, owner.agencyId, lease.id)), [])
  })

  await t.test('overdue marking flags open past-due charges only, and is safe to repeat', async (t) => {
    const { lease } = await leasedUnit(owner, 'R3')
    const charges = app.mongo.db!.collection('charges')
    const past = (await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'past', amount: 100, dueDate: '2026-01-01' })).json()
    const future = (await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'future', amount: 100, dueDate: '2099-01-01' })).json()
    // As if the charge were raised before its due date passed.
    await charges.updateOne({ _id: new ObjectId(past.id) }, { $set: { overdue: false } })
    await run('mark-overdue-charges')
    await run('mark-overdue-charges')
    t.equal((await owner.get(`/v1/charges/${past.id}`)).json().overdue, true)
    t.equal((await owner.get(`/v1/charges/${future.id}`)).json().overdue, false)
    t.same((await owner.get('/v1/charges?status=open&overdue=true&limit=100')).json().items.map((c: { id: string }) => c.id).includes(past.id), true)
  })

  await t.test('leases past their end date end and free their unit', async (t) => {
    const { lease, unit } = await leasedUnit(owner, 'R4', { startDate: '2025-01-01', endDate: '2025-12-31' })
    await run('end-expired-leases')
    t.match((await owner.get(`/v1/leases/${lease.id}`)).json(), { status: 'ended', endReason: 'term ended' })
    t.equal((await owner.get(`/v1/units/${unit.id}`)).json().status, 'vacant')
  })
})
