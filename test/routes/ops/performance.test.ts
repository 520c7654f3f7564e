// GET /ops/performance: every instance's per-minute aggregates, read back from
// PostgreSQL, whichever instance answers.
import { test } from 'tap'
import pg from 'pg'
import type { Task } from 'graphile-worker'
import { build, testContext, type App } from '../../helper.ts'
import { signup } from '../../support/session.ts'
import { createProperty } from '../../support/portfolio.ts'
import { cacheStats, operatorHeaders } from '../../support/operator.ts'
import { proxyFor } from '../../support/tcp-proxy.ts'
import { scrape } from '../../support/scrape.ts'
import { waitFor } from '../../support/wait-for.ts'

async function report (app: App, window = '1h') {
  const response = await app.inject({ method: 'GET', url: `/ops/performance?window=${window}`, headers: operatorHeaders(app) })
  if (response.statusCode !== 200) throw new Error(`/ops/performance answered ${response.statusCode}: ${response.body}`)
  return response.json()
}

test('the report covers every instance: routes, query shapes, caches, processes and the costliest agencies', async (t) => {
  const context = await testContext(t)
  const first = await context.build()
  const second = await context.build()
  t.not(first.opsReport.instance, second.opsReport.instance, 'two instances, two names')

  const busy = await signup(first, 'Busy Lettings')
  const quiet = await signup(second, 'Quiet Lettings')
  const property = await createProperty(busy, 'Harbour House')
  for (let i = 0; i < 20; i++) await busy.get('/v1/properties')
  for (let i = 0; i < 5; i++) await busy.get(`/v1/properties/${property.id}`)
  for (let i = 0; i < 3; i++) await quiet.get('/v1/properties')
  await busy.get('/v1/dashboard')
  await busy.get('/v1/dashboard')
  await first.opsReport.flush()
  await second.opsReport.flush()

  // Asked of the second instance: it reports what the first saw too.
  const body = await report(second)
  t.same(body.instances.map((i: { instance: string }) => i.instance).sort(), [first.opsReport.instance, second.opsReport.instance].sort(), 'both instances')
  const list = body.routes.find((r: { method: string, route: string }) => r.method === 'GET' && r.route === '/v1/properties')
  t.equal(list.requests, 23, 'GET /v1/properties: 20 requests on the first instance and 3 on the second')
  t.ok(list.p50Ms > 0 && list.p95Ms >= list.p50Ms && list.p99Ms >= list.p95Ms, 'percentiles in order')
  t.equal(list.errorRate, 0)
  const byId = body.routes.find((r: { route: string }) => r.route === '/v1/properties/:id')
  t.equal(byId.requests, 5, 'ids fold into the route pattern')
  t.notOk(body.routes.some((r: { route: string }) => r.route.includes(property.id)), 'no id in a route')
  t.equal(body.totals.requests, body.routes.reduce((sum: number, r: { requests: number }) => sum + r.requests, 0), 'totals add the routes up')

  const shapes = body.slowestQueries as Array<{ collection: string, shape: string, count: number, p95Ms: number }>
  t.ok(shapes.some((q) => q.collection === 'properties' && q.shape.includes('"agencyId":"?"') && q.count >= 20), 'the list query by shape')
  t.notOk(JSON.stringify(shapes).includes(busy.agencyId), 'shapes hold no values')
  t.ok(shapes.length <= 20, 'at most 20 shapes')

  const l1 = body.caches.find((c: { cache: string }) => c.cache === 'dashboard-l1')
  const own = (await cacheStats(first)).caches.find((c: { cache: string }) => c.cache === 'dashboard-l1').windows['5m']
  t.equal(l1.lookups, 2, 'the two dashboard reads')
  t.equal(l1.hitRate, own.hitRate, 'the hit rate the instance itself counted')

  t.equal(body.topAgencies[0].agencyId, busy.agencyId, 'the busy agency cost the most request time')
  t.ok(body.topAgencies[0].requests >= 28, `its requests counted (${body.topAgencies[0].requests})`)
  t.ok(body.topAgencies.some((a: { agencyId: string }) => a.agencyId === quiet.agencyId), 'the quiet one is listed too')
  t.ok(body.topAgencies.length <= 10)

  const process = body.instances[0]
  t.ok(process.memory.rssBytes > 0 && process.memory.rssLimitBytes > 0 && process.memory.heapLimitBytes > 0, 'memory and its limits')
  t.ok(process.memory.usedShare > 0 && process.memory.usedShare < 1)
  t.equal(process.breaker.state, 'closed')
  t.equal(process.pools.redis.status, 'ready')
  t.ok(process.pools.postgres.total >= 1)
  t.ok(body.trend.points.reduce((sum: number, p: { requests: number }) => sum + p.requests, 0) >= 23, 'the trend has the requests')
  t.same(body.alerts, { available: false, reason: 'PROMETHEUS_URL is not set', active: [], firedInWindow: [] })
})

test('job throughput and failures per task come from the worker\'s events', async (t) => {
  const succeed: Task = async () => undefined
  const fail: Task = async () => { throw new Error('always fails') }
  const app = await build(t, { env: { HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200' }, jobs: { tasks: { 'report-succeeds': succeed, 'report-fails': fail }, crontab: '' } })
  await app.jobs.addJob('report-succeeds', {})
  await app.jobs.addJob('report-succeeds', {})
  await app.jobs.addJob('report-fails', {}, { maxAttempts: 1 })
  await waitFor('the jobs to run', async () => /haven_job_permanent_failures_total\{task="report-fails"\} 1/.test((await scrape(app)).body) &&
    /haven_job_duration_seconds_count\{task="report-succeeds",outcome="success"\} 2/.test((await scrape(app)).body))
  await app.opsReport.flush()
  const jobs = (await report(app)).jobs
  t.same(jobs.map((j: { task: string, succeeded: number, failed: number, permanentFailures: number }) => [j.task, j.succeeded, j.failed, j.permanentFailures]),
    [['report-fails', 0, 1, 1], ['report-succeeds', 2, 0, 0]])
  t.ok(jobs[1].p95Ms > 0)
  t.match((await scrape(app)).body, /haven_job_oldest_ready_age_seconds 0/, 'nothing waits')
})

test('the window is one of four, and the query takes nothing else', async (t) => {
  const app = await build(t)
  for (const window of ['5m', '1h', '24h', '7d']) t.equal((await report(app, window)).window, window)
  for (const url of ['/ops/performance?window=2h', '/ops/performance?window=1h&agencyId=x']) {
    const response = await app.inject({ method: 'GET', url, headers: operatorHeaders(app) })
    t.equal(response.statusCode, 400, url)
    t.equal(response.json().code, 'VALIDATION_ERROR')
  }
})

test('minutes past the retention are deleted; a flush PostgreSQL refused is written by the next one', async (t) => {
  const context = await testContext(t)
  const proxy = await proxyFor(context.env.DATABASE_URL!)
  t.teardown(() => proxy.close())
  // Written before the app starts: its first flush, whenever it comes, runs the cleanup.
  const client = new pg.Client({ connectionString: context.env.DATABASE_URL })
  await client.connect()
  await client.query(`INSERT INTO ops.cache_minutes VALUES (now() - interval '8 days', 'old', 'dashboard-l1', 1, 0, 0, 0, 0),
    (now() - interval '6 days', 'recent', 'dashboard-l1', 1, 0, 0, 0, 0)`)
  await client.end()
  const app = await context.build({ env: { DATABASE_URL: proxy.url(context.env.DATABASE_URL!), OPS_RETENTION_DAYS: '7' } })
  await app.opsReport.flush()
  const { rows } = await app.pg.query<{ instance: string }>("SELECT DISTINCT instance FROM ops.cache_minutes WHERE instance IN ('old', 'recent') ORDER BY instance")
  t.same(rows.map((row) => row.instance), ['recent'], 'the 8-day-old minute is gone, the 6-day-old one stays')

  const owner = await signup(app, 'Offline Lettings')
  for (let i = 0; i < 4; i++) await owner.get('/v1/properties')
  proxy.cut()
  await app.opsReport.flush() // refused: kept for the next flush
  proxy.restore()
  await app.opsReport.flush()
  const list = (await report(app)).routes.find((r: { route: string }) => r.route === '/v1/properties')
  t.equal(list.requests, 4, 'nothing lost')
})

test('each request\'s completion line carries route, method, status, duration, agency and user, never a secret or a body', async (t) => {
  const lines: string[] = []
  const app = await build(t, {
    env: { LOG_LEVEL: 'info' },
    server: { logger: { level: 'info', stream: { write: (line: string) => { lines.push(line) } } } }
  })
  const owner = await signup(app, 'Logged Lettings')
  const posted = await owner.post('/v1/properties', { name: 'Secret Street 7', kind: 'residential', address: { line1: 'the body must not be logged', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' } })
  t.equal(posted.statusCode, 201)
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request completed')
  const create = entries.find((entry) => entry.route === '/v1/properties' && entry.method === 'POST')
  t.ok(create, 'a line for the POST')
  t.match(create, { route: '/v1/properties', method: 'POST', agencyId: owner.agencyId, userId: owner.userId })
  t.type(create!.statusCode, 'number')
  t.type(create!.durationMs, 'number')
  t.type(create!.reqId, 'string', 'with its request id')
  const signupLine = entries.find((entry) => entry.route === '/v1/auth/signup')
  t.match(signupLine, { agencyId: null, userId: null, statusCode: 201 }, 'a public route: no agency yet')
  const all = lines.join('\n')
  t.notOk(all.includes(owner.accessToken), 'no token')
  t.notOk(all.includes('correct horse battery'), 'no password')
  t.notOk(all.includes('the body must not be logged'), 'no body')
  t.equal(entries.filter((entry) => entry.route === '/v1/properties' && entry.method === 'POST').length, 1, 'one line per request')
})
