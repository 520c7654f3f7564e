// PostgreSQL restarted mid-run (a private server, never the shared one): no job is lost,
// reads go on as if nothing happened, enqueueing fails fast with a 503-class error while it is
// down, and everything recovers without restarting Haven.
import { test } from 'tap'
import type { FastifyError } from 'fastify'
import type { Task } from 'graphile-worker'
import { migratePostgres, migrationPool } from '../../migrations/index.ts'
import { errorBody } from '../../plugins/app/error-handler.ts'
import { testContext } from '../helper.ts'
import { privateServer } from '../support/private-server.ts'
import { signup } from '../support/session.ts'
import { waitFor } from '../support/wait-for.ts'

const BATCH = 20
// A connect and pool-wait limit far longer than anything takes, even on a busy machine: an
// enqueue that waited on the stopped server at all would take that long.
const CONNECT_LIMIT_MS = 30_000

test('PostgreSQL restarted mid-run: 0 jobs lost, reads unaffected, enqueueing answers 503 fast, recovery without a restart', async (t) => {
  const postgres = await privateServer(t, 'postgres')
  const pool = migrationPool(postgres.url)
  await migratePostgres(pool)
  await pool.end()

  const ran = new Map<number, number>()
  const record: Task = async (payload) => {
    const { n } = payload as { n: number }
    ran.set(n, (ran.get(n) ?? 0) + 1)
  }
  const context = await testContext(t)
  const app = await context.build({
    // The worker's connections (one per concurrent job, the LISTEN client) and the probes share
    // the pool: the test helper's 4 would starve the listener on a busy machine.
    env: { DATABASE_URL: postgres.url, HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200', WORKER_CONCURRENCY: '2', PG_POOL_MAX: '10', HEALTH_CHECK_INTERVAL_MS: '300', PG_CONNECT_TIMEOUT_MS: String(CONNECT_LIMIT_MS) },
    jobs: { tasks: { 'fault-record': record }, crontab: '' }
  })
  const owner = await signup(app)

  let next = 0
  const enqueue = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await app.jobs.addJob('fault-record', { n: next }, { maxAttempts: 25 })
      next++
    }
  }
  const allRan = () => Array.from({ length: next }, (_, n) => ran.has(n)).every(Boolean)

  await enqueue(BATCH)
  t.ok(await waitFor('the first batch to run', allRan), 'the first batch runs')

  // Queued, then the server goes away before (or while) the worker takes them.
  await enqueue(BATCH)
  await postgres.stop()

  const reads = await Promise.all(Array.from({ length: 10 }, () => owner.get('/v1/properties')))
  t.same(reads.map((r) => r.statusCode), Array(10).fill(200), 'reads answer while PostgreSQL is down')
  t.equal((await owner.get('/v1/dashboard')).statusCode, 200, 'the dashboard too')

  const started = performance.now()
  const failure = await app.jobs.addJob('fault-record', { n: -1 }).then(() => undefined, (err: unknown) => err as FastifyError)
  const elapsed = performance.now() - started
  t.ok(failure !== undefined, 'enqueueing fails while PostgreSQL is down')
  t.ok(elapsed < CONNECT_LIMIT_MS, `and fails at once, without waiting out the connect limit (${Math.round(elapsed)} ms)`)
  const headers: Record<string, string> = {}
  const body = errorBody(failure!, { id: 'r', server: app } as never, { header: (name: string, value: string) => { headers[name] = value } } as never)
  t.equal(body.statusCode, 503, 'a route that enqueues answers 503')
  t.match(body.code, /^DEPENDENCY_(UNAVAILABLE|TIMEOUT)$/, 'with a code that says why')
  t.ok(headers['retry-after'], 'with Retry-After')

  // Readiness answers from probes at most a second old.
  const ready = await waitFor('readiness to report PostgreSQL down', async () => {
    const answer = (await app.inject({ method: 'GET', url: '/health/ready' })).json()
    return answer.dependencies.postgres.status === 'down' && answer
  })
  t.equal(ready.dependencies.postgres.required, false, 'but an API instance stays in rotation')
  t.equal((await owner.get('/v1/agency')).statusCode, 200, 'nothing is shed')

  await postgres.start()
  t.ok(await waitFor('an enqueue to succeed once PostgreSQL is back', async () =>
    await app.jobs.addJob('fault-record', { n: next }, { maxAttempts: 25 }).then(() => true, () => false)), 'enqueueing works again once PostgreSQL is back, without restarting Haven')
  next++
  await enqueue(BATCH)
  t.ok(await waitFor('every job enqueued to run', allRan, { context: () => `not run: ${Array.from({ length: next }, (_, n) => n).filter((n) => !ran.has(n)).join(', ')}` }), `every one of the ${next} jobs enqueued ran`)
  const lost = Array.from({ length: next }, (_, n) => n).filter((n) => !ran.has(n))
  t.same(lost, [], '0 jobs lost')
})
