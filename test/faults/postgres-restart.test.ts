// PostgreSQL restarted mid-run (a private server, never the shared one): no job is lost,
// reads go on as if nothing happened, enqueueing fails fast with a 503-class error while it is
// down, and everything recovers without restarting Haven.
import { test } from 'tap'
import type { FastifyError } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Task } from 'graphile-worker'
import { migratePostgres, migrationPool } from '../../migrations/index.ts'
import { errorBody } from '../../plugins/app/error-handler.ts'
import { testContext } from '../helper.ts'
import { privateServer } from '../support/private-server.ts'
import { signup } from '../support/session.ts'

const BATCH = 20

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
    env: { DATABASE_URL: postgres.url, HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200', WORKER_CONCURRENCY: '2', PG_POOL_MAX: '10', HEALTH_CHECK_INTERVAL_MS: '300' },
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
  const allRan = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (Array.from({ length: next }, (_, n) => ran.has(n)).every(Boolean)) return true
      await sleep(100)
    }
    return false
  }

  await enqueue(BATCH)
  t.ok(await allRan(20_000), 'the first batch runs')

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
  t.ok(elapsed < 2_500, `and fails fast (${Math.round(elapsed)} ms)`)
  const headers: Record<string, string> = {}
  const body = errorBody(failure!, { id: 'r', server: app } as never, { header: (name: string, value: string) => { headers[name] = value } } as never)
  t.equal(body.statusCode, 503, 'a route that enqueues answers 503')
  t.match(body.code, /^DEPENDENCY_(UNAVAILABLE|TIMEOUT)$/, 'with a code that says why')
  t.ok(headers['retry-after'], 'with Retry-After')

  await sleep(1_000)
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.json().dependencies.postgres.status, 'down', 'readiness reports PostgreSQL down')
  t.equal(ready.json().dependencies.postgres.required, false, 'but an API instance stays in rotation')
  t.equal((await owner.get('/v1/agency')).statusCode, 200, 'nothing is shed')

  await postgres.start()
  const backDeadline = Date.now() + 20_000
  let enqueued = false
  while (!enqueued && Date.now() < backDeadline) {
    enqueued = await app.jobs.addJob('fault-record', { n: next }, { maxAttempts: 25 }).then(() => true, () => false)
    if (!enqueued) await sleep(200)
  }
  t.ok(enqueued, 'enqueueing works again once PostgreSQL is back, without restarting Haven')
  next++
  await enqueue(BATCH)
  t.ok(await allRan(60_000), `every one of the ${next} jobs enqueued ran`)
  const lost = Array.from({ length: next }, (_, n) => n).filter((n) => !ran.has(n))
  t.same(lost, [], '0 jobs lost')
})
