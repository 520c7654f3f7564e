// The job lifecycle around an export: queued jobs (no worker yet), the same
// request answering the same job, cancellation (queued: at once; running: within
// a batch), retries and failure with the error in the status, the rate limit,
// and the transaction that makes a row and its queue job together.
import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { testContext } from '../../helper.ts'
import { signup } from '../../support/session.ts'
import { exportJob, seedCharges, waitForJob } from '../../support/jobs.ts'
import { TEST_WINDOW_MS, clearOfWindowEnd } from '../../support/rate-window.ts'
import { codedError } from '../../../plugins/app/error-handler.ts'

test('jobs', async (t) => {
  const context = await testContext(t)
  // An API without a worker: jobs stay queued until the worker below starts.
  const api = await context.build({ env: { HAVEN_ROLE: 'api', EXPORT_RATE_LIMIT_MAX: '200', EXPORT_MAX_ATTEMPTS: '2' } })
  const owner = await signup(api, 'Queue Agency')
  const other = await signup(api, 'Other Agency')
  const queued = async () => (await api.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'run-export'")).rows[0]!.n

  await t.test('a queued job: 202, Location, Retry-After, the same job for the same request', async (t) => {
    const response = await owner.post('/v1/exports', { resource: 'charges', format: 'csv', filters: { status: 'open' } })
    t.equal(response.statusCode, 202)
    const job = response.json()
    t.equal(response.headers.location, `/v1/jobs/${job.id}`)
    t.match(job, { status: 'queued', type: 'export', params: { resource: 'charges', format: 'csv', filters: { status: 'open', sort: 'dueDate' } }, processed: 0, total: null, download: null })
    t.match(job.retry, { attempts: 0, maxAttempts: 2 })
    const status = await owner.get(`/v1/jobs/${job.id}`)
    t.equal(status.headers['retry-after'], '2', 'poll again in 2 s')
    t.equal((await owner.get(`/v1/jobs/${job.id}`, { 'if-none-match': String(status.headers.etag) })).statusCode, 304)

    const again = (await owner.post('/v1/exports', { resource: 'charges', filters: { status: 'open', sort: 'dueDate' }, format: 'csv' })).json()
    t.equal(again.id, job.id, 'the same export while queued is the same job (defaults and key order aside)')
    const otherFormat = (await owner.post('/v1/exports', { resource: 'charges', format: 'xlsx', filters: { status: 'open' } })).json()
    t.not(otherFormat.id, job.id, 'another format is another job')
    const otherAgency = (await other.post('/v1/exports', { resource: 'charges', format: 'csv', filters: { status: 'open' } })).json()
    t.not(otherAgency.id, job.id)
  })

  await t.test('the row and its queue job are made together, or neither', async (t) => {
    const rows = async () => (await api.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0]!.n
    const [beforeRows, beforeQueued] = [await rows(), await queued()]
    // graphile-worker's add_job refuses max_attempts 0: the insert before it must not survive.
    await t.rejects(api.jobStore.create(new ObjectId(owner.agencyId), new ObjectId(owner.userId), { type: 'export', task: 'run-export', params: { resource: 'units' }, maxAttempts: 0, priority: 0 }))
    t.equal(await rows(), beforeRows, 'no row without a queue job')
    t.equal(await queued(), beforeQueued, 'no queue job without a row')
    const made = await api.jobStore.create(new ObjectId(owner.agencyId), new ObjectId(owner.userId), { type: 'export', task: 'run-export', params: { resource: 'units', format: 'csv', filters: {} }, maxAttempts: 2, priority: 0 })
    // The view leaves the payload out; the private table holds it.
    const { rows: [graphile] } = await api.pg.query('SELECT payload, max_attempts FROM graphile_worker._private_jobs WHERE key = $1', [`haven-job:${made.job.id}`])
    t.same(graphile, { payload: { jobId: made.job.id, agencyId: owner.agencyId }, max_attempts: 2 }, 'the queue job names the row')
  })

  await t.test('cancelling a queued job cancels it at once and removes it from the queue; again is 409', async (t) => {
    const job = await exportJob(owner, { resource: 'tenants', format: 'csv' })
    const response = await owner.post(`/v1/jobs/${job.id}/cancellation`)
    t.equal(response.statusCode, 202)
    t.match(response.json(), { status: 'cancelled', cancelRequested: true })
    const { rows } = await api.pg.query('SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = $1', [`haven-job:${job.id}`])
    t.equal(rows[0].n, 0, 'the queue holds it no more')
    t.equal((await owner.post(`/v1/jobs/${job.id}/cancellation`)).json().code, 'JOB_FINISHED')
    t.equal((await other.post(`/v1/jobs/${job.id}/cancellation`)).statusCode, 404, 'another agency\'s job is not found')
    const notes = (await owner.get('/v1/notifications')).json().items
    t.ok(notes.some((n: { jobId: string, event: string }) => n.jobId === job.id && n.event === 'job.cancelled'), 'the user is told')
  })

  await t.test('export creation has its own stricter rate limit', async (t) => {
    // Counted in a window aligned on the clock: a long one, clear of its end.
    await clearOfWindowEnd()
    const limited = await context.build({ env: { HAVEN_ROLE: 'api', EXPORT_RATE_LIMIT_MAX: '3', EXPORT_RATE_LIMIT_WINDOW_MS: String(TEST_WINDOW_MS) } })
    const caller = await signup(limited, 'Limited Agency')
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push((await caller.post('/v1/exports', { resource: 'units', format: 'csv', filters: { bedrooms: i } })).statusCode)
    t.same(statuses.slice(0, 3).every((s) => s === 400 || s === 202), true)
    const response = await caller.post('/v1/exports', { resource: 'units', format: 'csv' })
    t.equal(response.statusCode, 429)
    t.equal(response.json().code, 'RATE_LIMITED')
    t.equal((await caller.get('/v1/agency')).statusCode, 200, 'other routes keep the general limit')
  })

  // What a worker killed mid-job leaves behind, made by hand while no worker runs: the queue's
  // job locked long ago by a pool that no longer beats, its attempt counted, and our row running.
  const dead = await Promise.all([[2, 'tenants'], [1, 'units']].map(async ([maxAttempts, resource]) => {
    const { job } = await api.jobStore.create(new ObjectId(owner.agencyId), new ObjectId(owner.userId), {
      type: 'export', task: 'run-export', params: { resource, format: 'csv', filters: { archived: true } }, maxAttempts: Number(maxAttempts), priority: 0
    })
    await api.pg.query("UPDATE graphile_worker._private_jobs SET locked_at = now() - interval '5 minutes', locked_by = 'pool-dead', attempts = 1 WHERE key = $1", [`haven-job:${job.id}`])
    await api.jobStore.start(job.agencyId, job.id, 1, job.maxAttempts, 'pool-dead')
    return job
  }))

  // From here a worker runs in this process too (the queued jobs above run now).
  const worker = await context.build({ env: { HAVEN_ROLE: 'worker', WORKER_POLL_INTERVAL_MS: '200', EXPORT_BATCH_SIZE: '20', JOB_PROGRESS_INTERVAL_MS: '1', WORKER_HEARTBEAT_INTERVAL_MS: '200', WORKER_DEAD_AFTER_MS: '1000' } })

  await t.test('the jobs queued before the worker started have run', async (t) => {
    const history = (await owner.get('/v1/jobs?limit=100')).json().items
    for (const job of history) await waitForJob(owner, job.id)
    const succeeded = (await owner.get('/v1/jobs?status=succeeded&limit=100')).json().items
    t.ok(succeeded.length >= 2, `${succeeded.length} succeeded`)
  })

  await t.test('jobs a dead worker held are unlocked: retried, or failed when it had their last attempt', async (t) => {
    const [again, last] = dead as [typeof dead[0], typeof dead[0]]
    t.match(await waitForJob(owner, again.id), { status: 'succeeded', retry: { attempts: 2, maxAttempts: 2 } }, 'unlocked and run again')
    t.match(await waitForJob(owner, last.id), { status: 'failed', error: { code: 'WORKER_LOST' } }, 'its last attempt died: failed, not stuck running')
    t.ok((await owner.get('/v1/notifications')).json().items.some((n: { jobId: string, event: string }) => n.jobId === last.id && n.event === 'job.failed'), 'and its user is told')
  })

  await t.test('cancelling a running export stops it within a batch and leaves no file', async (t) => {
    const agency = await signup(api, 'Big Agency')
    await seedCharges(api.mongo.db!, agency.agencyId, 30_000)
    const job = await exportJob(agency, { resource: 'charges', format: 'xlsx' })
    const running = await waitForJob(agency, job.id, (j) => j.status === 'running' && j.processed > 0)
    const cancel = (await agency.post(`/v1/jobs/${job.id}/cancellation`)).json()
    t.equal(cancel.cancelRequested, true)
    const done = await waitForJob(agency, job.id)
    t.equal(done.status, 'cancelled')
    t.ok(done.processed < 30_000, `stopped early (${done.processed} of 30000 rows)`)
    t.ok(done.processed <= cancel.processed + 2 * 20, `within a batch of the request (${cancel.processed} → ${done.processed})`)
    t.ok(done.processed >= running.processed)
    t.equal(done.download, null)
    const files = await api.mongo.db!.collection('job_files.files').countDocuments({ 'metadata.jobId': job.id })
    const chunks = await api.mongo.db!.collection('job_files.chunks').countDocuments({})
    t.equal(files, 0, 'no file')
    t.equal(chunks - await api.mongo.db!.collection('job_files.chunks').countDocuments({ files_id: { $in: (await api.mongo.db!.collection('job_files.files').find({}).toArray()).map((f) => f._id) } }), 0, 'no orphan chunks')
  })

  await t.test('a task that always fails ends failed after its attempts, with its error', async (t) => {
    const upload = worker.jobFiles.upload
    worker.jobFiles.upload = () => { throw codedError(503, 'DEPENDENCY_UNAVAILABLE', 'the file store refused the export') }
    t.teardown(() => { worker.jobFiles.upload = upload })
    const job = await exportJob(owner, { resource: 'payments', format: 'csv' })
    const retrying = await waitForJob(owner, job.id, (j) => j.status === 'queued' && j.retry.attempts === 1)
    t.match(retrying, { error: { code: 'DEPENDENCY_UNAVAILABLE' }, retry: { attempts: 1, maxAttempts: 2 } }, 'the first failure is retried, and says why')
    t.type(retrying.retry.nextAttemptAt, 'string')
    const failed = await waitForJob(owner, job.id, undefined, 60_000)
    t.match(failed, { status: 'failed', error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'the file store refused the export' }, retry: { attempts: 2, maxAttempts: 2 } })
    const { rows } = await api.pg.query('SELECT attempts, max_attempts, last_error FROM graphile_worker.jobs WHERE key = $1', [`haven-job:${job.id}`])
    t.match(rows[0], { attempts: 2, max_attempts: 2, last_error: /the file store refused/ }, 'the queue holds it as permanently failed')
    const notes = (await owner.get('/v1/notifications')).json().items
    t.ok(notes.some((n: { jobId: string, event: string }) => n.jobId === job.id && n.event === 'job.failed'))
  })
})
