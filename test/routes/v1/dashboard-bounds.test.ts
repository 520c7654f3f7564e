// The dashboard's caches stay bounded per agency: periods within the agency's
// money range (plus the current month), canonical widget lists, at most
// CACHE_AGENCY_MAX_ENTRIES variants per agency in L1 and in Redis, and one
// agency asking for ever more variants never pushes out another's.
import { test } from 'tap'
import { build, testContext, type App } from '../../helper.ts'
import { signup, type Caller } from '../../support/session.ts'
import { leasedUnit } from '../../support/portfolio.ts'
import { scrape } from '../../support/scrape.ts'
import { cacheStats } from '../../support/operator.ts'
import { l2Key } from '../../../plugins/app/dashboard-cache/redis-tier.ts'

const current = () => new Date().toISOString().slice(0, 7)
const MONTHS = Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`)

/** An agency with money in every month of 2025. */
async function agencyWithYear (app: App, name: string): Promise<Caller> {
  const owner = await signup(app, name)
  const { lease } = await leasedUnit(owner, 'Y1')
  for (const month of MONTHS) await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: month, amount: 1_000, dueDate: `${month}-15` })
  return owner
}

/** This instance's L1 hits (the operator's cache statistics are instance-wide). */
async function l1Hits (app: App): Promise<number> {
  const stats = await cacheStats(app)
  return stats.caches.find((c: { cache: string }) => c.cache === 'dashboard-l1').windows['15m'].hit
}

async function read (caller: Caller, query: string): Promise<void> {
  const response = await caller.get(`/v1/dashboard${query}`)
  if (response.statusCode !== 200) throw new Error(`${query}: ${response.statusCode} ${response.body}`)
}

test('one agency filling its quota never pushes out another agency\'s entries, in either level', async (t) => {
  const app = await build(t, { env: { CACHE_AGENCY_MAX_ENTRIES: '4', CACHE_L1_MAX: '8' } })
  const [flooding, quiet] = [await agencyWithYear(app, 'Flooding'), await agencyWithYear(app, 'Quiet')]
  const quietReads = ['', '?period=2025-03']
  for (const query of quietReads) await read(quiet, query)

  // Twelve months by three widget sets: 36 variants against a quota of 4.
  for (const month of MONTHS) for (const include of ['rent', 'history', 'rent,history']) await read(flooding, `?period=${month}&include=${include}`)

  const before = await l1Hits(app)
  for (const query of quietReads) await read(quiet, query)
  t.equal(await l1Hits(app) - before, 2, 'the other agency\'s entries still hit in L1')
  t.ok(await app.redis.hexists(l2Key(quiet.agencyId), `2025-03|${['portfolio', 'leases', 'rent', 'outstanding', 'history', 'maintenance', 'payments'].sort().join(',')}`), 'and are still in Redis')
  const held = (await app.redis.hkeys(l2Key(flooding.agencyId))).filter((field) => field !== '_inv')
  t.equal(held.length, 4, 'the flooding agency holds its quota in Redis, no more')

  const again = await l1Hits(app)
  await read(flooding, '?period=2025-01&include=rent')
  t.equal(await l1Hits(app) - again, 0, 'its own oldest variant was the one that went')
  t.match((await scrape(app)).body, /haven_cache_evictions_total\{cache="dashboard-l2"\} [1-9]\d*/, 'Redis evictions are counted')
})

test('widgets in any order or repeated, and the current month named or not, are one cache entry', async (t) => {
  const app = await build(t)
  const owner = await agencyWithYear(app, 'Canonical')
  await read(owner, '?include=rent,portfolio')
  const before = await l1Hits(app)
  await read(owner, '?include=portfolio,rent,portfolio')
  await read(owner, `?include=rent,portfolio&period=${current()}`)
  t.equal(await l1Hits(app) - before, 2, 'both hit the first one\'s entry')
  t.equal((await owner.get(`/v1/dashboard?include=${'rent,'.repeat(60)}rent`)).statusCode, 400, 'a list longer than any canonical one is refused')
})

test('periods run from the agency\'s first month with money to its last or the current month', async (t) => {
  const context = await testContext(t)
  const [first, second] = [await context.build(), await context.build()]
  const owner = await signup(first, 'Ranged')
  const onSecond = (url: string) => second.inject({ method: 'GET', url, headers: { authorization: `Bearer ${owner.accessToken}` } })
  const outOfRange = async (period: string) => {
    const response = await owner.get(`/v1/dashboard?period=${period}`)
    t.same([response.statusCode, response.json().code], [400, 'PERIOD_OUT_OF_RANGE'], `${period} is outside`)
  }
  t.equal((await owner.get(`/v1/dashboard?period=${current()}`)).statusCode, 200, 'without money, the current month')
  await outOfRange('2025-06')

  const { lease } = await leasedUnit(owner, 'R1')
  for (const due of ['2025-03-10', '2025-05-10']) await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: due, amount: 500, dueDate: due })
  for (const period of ['2025-03', '2025-04', '2025-05', '2025-11', current()]) t.equal((await owner.get(`/v1/dashboard?period=${period}`)).statusCode, 200, `${period} is within`)
  await outOfRange('2025-02')
  await outOfRange('2099-01')
  t.match((await owner.get('/v1/dashboard?period=2025-02')).json().message, /from 2025-03 to /, 'the message says the range')

  t.equal((await onSecond('/v1/dashboard?period=2027-02')).statusCode, 400, 'a month ahead has no money yet')
  await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'ahead', amount: 500, dueDate: '2027-02-01' })
  t.equal((await onSecond('/v1/dashboard?period=2027-02')).statusCode, 200, 'once a write puts money there, every instance serves it at once')
})
