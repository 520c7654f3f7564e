import { test } from 'tap'
import type { Task } from 'graphile-worker'
import { build, testContext, type App } from '../helper.ts'
import { scrape } from '../support/scrape.ts'
import { waitFor } from '../support/wait-for.ts'

test('a job added through the decorator is run by the runner', async (t) => {
  const payloads: unknown[] = []
  const record: Task = async (payload) => { payloads.push(payload) }

  const app = await build(t, { env: { HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200' }, jobs: { tasks: { 'record-payload': record } } })
  t.ok(app.jobRunner, 'the all role starts a runner')

  const job = await app.jobs.addJob('record-payload', { hello: 'world' }, { jobKey: 'record-once' })
  t.equal(job.task_identifier, 'record-payload')
  t.same(await waitFor('the job to run', () => payloads[0]), { hello: 'world' })

  // The runner records the job once it has finished: its row goes.
  const remaining = async () => Number((await app.pg.query<{ n: string }>("SELECT count(*) AS n FROM graphile_worker.jobs WHERE task_identifier = 'record-payload'")).rows[0]!.n)
  t.ok(await waitFor('the job\'s row to go', async () => await remaining() === 0), 'a successful job leaves the queue')

  const metrics = await scrape(app)
  t.match(metrics.body, /haven_job_duration_seconds_count\{task="record-payload",outcome="success"\} 1/)
  t.same(payloads, [{ hello: 'world' }], 'run once')
})

test('the api role enqueues but runs nothing', async (t) => {
  const app = await build(t, { env: { HAVEN_ROLE: 'api' } })
  t.equal(app.jobRunner, null)
  await app.jobs.addJob('record-payload', {})
  const { rows } = await app.pg.query<{ n: string }>('SELECT count(*) AS n FROM graphile_worker.jobs')
  t.equal(Number(rows[0]!.n), 1)
})

test('shutdown lets a running job finish and leaves no job locked', async (t) => {
  const context = await testContext(t)
  let started: () => void = () => undefined
  const isRunning = new Promise<void>((resolve) => { started = resolve })
  let finished = false
  let worker: App | undefined
  const slow: Task = async () => {
    started()
    // Still running once the shutdown has begun: close must wait for it.
    await waitFor('the shutdown to begin', () => worker!.jobsStopping.aborted)
    finished = true
  }
  // No crontab: its jobs are for tasks this worker does not run, so they would wait in the
  // queue for a worker that does (two of them every minute).
  worker = await context.build({ env: { HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200' }, jobs: { tasks: { slow }, crontab: '' } })
  await worker.jobs.addJob('slow', {})
  await isRunning

  await worker.close()
  t.ok(finished, 'close waited for the running job')

  const inspector = await context.build()
  const { rows } = await inspector.pg.query<{ total: string, locked: string }>(
    'SELECT count(*) AS total, count(*) FILTER (WHERE locked_at IS NOT NULL) AS locked FROM graphile_worker.jobs')
  t.same(rows[0], { total: '0', locked: '0' }, 'the finished job is gone and nothing is left locked')
})

test('the worker role runs jobs and answers health and metrics, but serves no API', async (t) => {
  const app = await build(t, { env: { HAVEN_ROLE: 'worker' } })
  t.ok(app.jobRunner, 'the runner is started')
  t.equal((await app.inject({ method: 'GET', url: '/v1/properties' })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
  t.equal((await scrape(app)).statusCode, 200)
})
