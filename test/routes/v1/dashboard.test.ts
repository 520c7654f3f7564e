import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build, testContext } from '../../helper.ts'
import { signup, staff, type Caller } from '../../support/session.ts'
import { createProperty, createUnit, leasedUnit } from '../../support/portfolio.ts'
import { warmDashboards } from '../../../jobs/warm-dashboards.ts'
import { expectedDashboard, withoutClock } from '../../support/dashboard-oracle.ts'
import { redisProxy } from '../../support/redis-proxy.ts'
import { taskHelpers } from '../../support/crash.ts'
import { reconcileRollups } from '../../../jobs/reconcile-rollups.ts'
import type { App } from '../../helper.ts'
import { scrape } from '../../support/scrape.ts'
import { cacheStats } from '../../support/operator.ts'
import { prng } from '../../support/prng.ts'
import { waitFor } from '../../support/wait-for.ts'

const period = () => new Date().toISOString().slice(0, 7)
const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)

async function dashboardOf (caller: Caller): Promise<Record<string, unknown>> {
  const response = await caller.get('/v1/dashboard')
  if (response.statusCode !== 200) throw new Error(`dashboard: ${response.statusCode} ${response.body}`)
  return withoutClock(response.json())
}

test('the dashboard equals a brute-force recomputation after every kind of write', async (t) => {
  const app = await build(t)
  const agencies = await Promise.all(['North', 'South', 'East'].map((name) => signup(app, `${name} Lettings`)))
  const random = prng(7)
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!

  for (const [index, agency] of agencies.entries()) {
    const leases = await Promise.all([0, 1].map(async (i) => (await leasedUnit(agency, `U${index}-${i}`, { startDate: daysFromNow(-200), endDate: daysFromNow(20 + 40 * i) })).lease))
    const payments: string[] = []
    const charges: string[] = []
    const requests: string[] = []
    const property = await createProperty(agency, 'Spare House')
    const spare = await createUnit(agency, property.id, 'S1')
    const writes: Array<[string, () => Promise<{ statusCode: number, body: string }>]> = [
      ['charge', async () => {
        const r = await agency.post('/v1/charges', { leaseId: pick(leases).id, kind: 'fee', description: 'fee', amount: 1 + Math.floor(random() * 50_000), dueDate: daysFromNow(-Math.floor(random() * 150)) })
        charges.push(r.json().id)
        return r
      }],
      ['payment', async () => {
        const r = await agency.post('/v1/payments', { leaseId: pick(leases).id, amount: 1 + Math.floor(random() * 40_000), method: 'card', receivedAt: new Date(Date.now() - Math.floor(random() * 60) * 86_400_000).toISOString() })
        payments.push(r.json().id)
        return r
      }],
      ['reversal', async () => payments.length === 0 ? { statusCode: 200, body: '' } : await agency.post(`/v1/payments/${pick(payments)}/reversal`, { reason: 'bounced' })],
      ['void', async () => charges.length === 0 ? { statusCode: 200, body: '' } : await agency.delete(`/v1/charges/${pick(charges)}`)],
      ['lease change', async () => await agency.patch(`/v1/leases/${pick(leases).id}`, { endDate: daysFromNow(Math.floor(random() * 120)) })],
      ['unit status', async () => await agency.patch(`/v1/units/${spare.id}`, { status: pick(['vacant', 'notice', 'offline']) })],
      ['maintenance', async () => {
        const r = await agency.post('/v1/maintenance-requests', { propertyId: property.id, title: 'Leak', description: 'Kitchen tap', priority: pick(['low', 'normal', 'high', 'urgent']), reportedAt: new Date(Date.now() - Math.floor(random() * 200) * 3_600_000).toISOString() })
        requests.push(r.json().id)
        return r
      }],
      ['maintenance status', async () => requests.length === 0 ? { statusCode: 200, body: '' } : await agency.patch(`/v1/maintenance-requests/${pick(requests)}`, { status: pick(['resolved', 'in_progress', 'resolved', 'cancelled']) })]
    ]
    for (let step = 0; step < 24; step++) {
      const [kind, write] = writes[step < writes.length ? step : Math.floor(random() * writes.length)]!
      const result = await write()
      if (result.statusCode >= 300) throw new Error(`${kind} failed: ${result.statusCode} ${result.body}`)
      const served = await dashboardOf(agency)
      const expected = await expectedDashboard(app, agency.agencyId, period())
      if (JSON.stringify(served) !== JSON.stringify(expected)) {
        t.same(served, expected, `agency ${index}, after step ${step} (${kind})`)
        return
      }
    }
    t.pass(`agency ${index}: 24 writes of every kind, the dashboard matched the raw data after each`)
  }
})

test('after 20 clients write at once, no update is lost', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Busy Dash')
  const leases = await Promise.all([0, 1, 2, 3].map(async (i) => (await leasedUnit(owner, `B${i}`)).lease))
  await Promise.all(Array.from({ length: 20 }, async (_, client) => {
    for (let i = 0; i < 4; i++) {
      const lease = leases[(client + i) % leases.length]!
      const response = (client + i) % 2 === 0
        ? await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'x', amount: 1_000 + client, dueDate: daysFromNow(-i * 20) })
        : await owner.post('/v1/payments', { leaseId: lease.id, amount: 700 + client, method: 'cash' })
      if (response.statusCode !== 201) throw new Error(response.body)
    }
  }))
  t.same(await dashboardOf(owner), await expectedDashboard(app, owner.agencyId, period()))
})

test('agencies never see each other\'s figures, cached or not', async (t) => {
  const app = await build(t)
  const a = await signup(app, 'Twin A')
  const b = await signup(app, 'Twin B')
  for (const [caller, rent] of [[a, 100_000], [b, 200_000]] as const) {
    const { lease } = await leasedUnit(caller, 'T1', { rent })
    await caller.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'same shape', amount: rent / 10, dueDate: daysFromNow(-1) })
  }
  for (let round = 0; round < 3; round++) {
    const [da, db] = await Promise.all([dashboardOf(a), dashboardOf(b)])
    t.same(da, await expectedDashboard(app, a.agencyId, period()), `A, round ${round}`)
    t.same(db, await expectedDashboard(app, b.agencyId, period()), `B, round ${round}`)
    t.not((da.outstanding as { total: number }).total, (db.outstanding as { total: number }).total)
  }
  const before = await dashboardOf(b)
  const { lease } = await leasedUnit(a, 'T2')
  await a.post('/v1/payments', { leaseId: lease.id, amount: 5, method: 'cash' })
  t.same(await dashboardOf(b), before, 'a write to A leaves B\'s cached dashboard alone')
})

test('a write on one instance reaches another instance\'s cache through Redis', async (t) => {
  const context = await testContext(t)
  // Cached entries outlive the test: only the write's message can refresh the second instance's.
  const env = { CACHE_L1_TTL_MS: '3600000', CACHE_L2_TTL_MS: '3600000' }
  const first = await context.build({ env })
  const second = await context.build({ env })
  const owner = await signup(first, 'Two Instances')
  const onSecond = { ...owner, get: (url: string) => second.inject({ method: 'GET', url, headers: { authorization: `Bearer ${owner.accessToken}` } }) }
  const { lease } = await leasedUnit(owner, 'I1')
  await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'x', amount: 10_000, dueDate: daysFromNow(-1) })
  const cached = (await onSecond.get('/v1/dashboard')).json()
  t.equal((await onSecond.get('/v1/dashboard')).json().outstanding.total, cached.outstanding.total, 'the second instance serves it from its cache')

  await owner.post('/v1/payments', { leaseId: lease.id, amount: 4_000, method: 'cash' })
  t.ok(await waitFor('the second instance to serve the payment', async () =>
    (await onSecond.get('/v1/dashboard')).json().outstanding.total === cached.outstanding.total - 4_000), 'fresh on the second instance')
})

test('with Redis down the dashboard answers from MongoDB without waiting on it, and the breaker shows it', async (t) => {
  const context = await testContext(t)
  const proxy = await redisProxy(context.env)
  t.teardown(() => proxy.close())
  // A Redis budget far above what a request takes, even on a busy machine: a request that
  // waited on the cut Redis would take that long.
  const budgetMs = 30_000
  const app = await context.build({ env: { ...proxy.env, CACHE_OP_TIMEOUT_MS: String(budgetMs), CACHE_L1_TTL_MS: '1', CACHE_BREAKER_RESET_MS: '60000' } })
  const owner = await signup(app, 'No Redis')
  const { lease } = await leasedUnit(owner, 'R1')
  // Money from January 2025 on: the months asked for below are within the agency's range.
  await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'x', amount: 100, dueDate: '2025-01-10' })
  proxy.cut()
  // Enough failures to outnumber the Redis calls the writes above made (the breaker opens on their share).
  for (let i = 0; i < 12; i++) {
    const started = performance.now()
    // A different month each time: every request misses L1 and tries Redis.
    const response = await owner.get(`/v1/dashboard?period=2025-${String(i + 1).padStart(2, '0')}`)
    t.equal(response.statusCode, 200)
    t.ok(performance.now() - started < budgetMs, `request ${i} did not wait on Redis`)
  }
  t.same(withoutClock((await owner.get('/v1/dashboard')).json()), await expectedDashboard(app, owner.agencyId, period()), 'still right')
  const stats = await cacheStats(app)
  t.equal(stats.redisBreaker, 'open')
  t.match((await scrape(app)).body, /haven_cache_breaker_state 2/)
})

test('reconciliation finds drift, reports it and repairs it', async (t) => {
  const app: App = await build(t)
  const owner = await signup(app, 'Drifty')
  const { lease } = await leasedUnit(owner, 'D1')
  await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'x', amount: 9_000, dueDate: daysFromNow(-40) })
  await owner.get('/v1/dashboard')
  // Damage the summaries as a crash between a ledger write and its rollup would.
  await app.mongo.db!.collection('agency_summaries').updateOne({ _id: new ObjectId(owner.agencyId) }, { $inc: { outstanding: 123, properties: 5 } })
  t.same(await app.rollups.reconcile(new ObjectId(owner.agencyId)).then((drift) => drift.map((d) => d.widget).sort()), ['outstanding', 'properties'])
  t.same(await dashboardOf(owner), await expectedDashboard(app, owner.agencyId, period()), 'repaired, and the cache was dropped')
  t.match((await scrape(app)).body, /haven_rollup_drift_total\{widget="outstanding"\} 1/)
  await reconcileRollups(app)({}, taskHelpers)
  t.same(await app.rollups.reconcile(new ObjectId(owner.agencyId)), [], 'nothing left to repair')
})

test('dashboard options, ETag, roles and cache statistics', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Options')
  const { lease } = await leasedUnit(owner, 'O1')
  await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'x', amount: 100, dueDate: '2025-06-10' })
  const partial = (await owner.get('/v1/dashboard?include=portfolio,leases')).json()
  t.same(Object.keys(partial).sort(), ['currency', 'generatedAt', 'leases', 'period', 'portfolio'])
  const past = (await owner.get('/v1/dashboard?period=2025-06&include=history')).json()
  t.equal(past.history.length, 12)
  t.equal(past.history.at(-1).period, '2025-06')
  t.equal((await owner.get('/v1/dashboard?include=bogus')).statusCode, 400)
  t.equal((await owner.get('/v1/dashboard?period=2025-13')).statusCode, 400)

  const first = await owner.get('/v1/dashboard')
  t.equal((await owner.get('/v1/dashboard', { 'if-none-match': first.headers.etag as string })).statusCode, 304)

  const viewer = await staff(app, owner, 'viewer')
  t.equal((await viewer.get('/v1/dashboard')).statusCode, 200)
  t.equal((await owner.get('/ops/cache-stats')).statusCode, 404, 'instance-wide figures are the operator\'s, not an agency owner\'s')
  const stats = await cacheStats(app)
  const l1 = stats.caches.find((c: { cache: string }) => c.cache === 'dashboard-l1')
  t.ok(l1.windows['15m'].requests >= 3)
  t.ok(l1.windows['15m'].hit >= 1, 'the repeated reads hit')
  t.match((await scrape(app)).body, /haven_cache_requests_total\{cache="dashboard-l1",result="hit"\} \d+/)
})

test('a write swaps fresh figures in before it answers, so the next read hits and includes it; the job warms active agencies', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Warm')
  const { lease } = await leasedUnit(owner, 'W1')
  await owner.get('/v1/dashboard')
  const stats = async () => (await cacheStats(app)).caches[0].windows['15m']
  const before = await stats()
  const payment = (await owner.post('/v1/payments', { leaseId: lease.id, amount: 137, method: 'cash' })).json()
  const read = (await owner.get('/v1/dashboard')).json()
  const after = await stats()
  t.equal(after.hit - before.hit, 1, 'the read right after the write hit the cache')
  t.equal(after.requests - before.requests, 1, 'and nothing else was counted')
  t.equal(read.payments[0].id, payment.id, 'the figures include the write')
  t.same(await app.dashboard.recentlyActive(new Date(Date.now() - 60_000)), [owner.agencyId])
  await app.mongo.db!.collection('agency_summaries').updateOne({ _id: new ObjectId(owner.agencyId) }, { $set: { properties: 42 } })
  await app.dashboardCache.invalidate(owner.agencyId)
  await warmDashboards(app)({}, taskHelpers)
  const warmed = (await cacheStats(app)).caches[0].windows['15m']
  t.equal((await owner.get('/v1/dashboard')).json().portfolio.properties, 42, 'the warmed dashboard is served')
  t.equal((await cacheStats(app)).caches[0].windows['15m'].hit - warmed.hit, 1, 'from the cache')
})
