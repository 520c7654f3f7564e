// Job history retention (prune-job-history): finished jobs past JOB_RETENTION_DAYS
// whose files are gone go, with their notifications, webhook deliveries and queue
// leftovers; jobs still holding a file, recent or unfinished ones stay; and
// notifications past NOTIFICATION_RETENTION_DAYS go whatever their job.
import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build } from '../helper.ts'
import { signup } from '../support/session.ts'
import { taskHelpers } from '../support/crash.ts'
import { createTaskList } from '../../jobs/index.ts'

test('prune-job-history', async (t) => {
  const app = await build(t, { env: { JOB_RETENTION_DAYS: '90', NOTIFICATION_RETENTION_DAYS: '30' } })
  const owner = await signup(app, 'Retention Agency')
  const agencyId = new ObjectId(owner.agencyId)
  const userId = new ObjectId(owner.userId)
  const prune = () => createTaskList(app)['prune-job-history']!({}, taskHelpers)
  const newJob = async (resource: string) => (await app.jobStore.create(agencyId, userId, { type: 'export', task: 'run-export', params: { resource }, maxAttempts: 2, priority: 0 })).job
  const count = async (sql: string, values: unknown[]) => (await app.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, values)).rows[0]!.n
  const queued = (key: string) => count('graphile_worker.jobs WHERE key = $1', [key])
  const age = (id: string, days: number, fileKept = false) => app.pg.query(
    `UPDATE jobs SET finished_at = now() - $2 * interval '1 day', expires_at = CASE WHEN $3 THEN now() + interval '1 day' END WHERE id = $1`, [id, days, fileKept])

  // Cancelled while queued: finished at once, with its notification and a webhook delivery queued.
  const cancelled = await newJob('units')
  await app.jobStore.requestCancel(agencyId, cancelled.id, true)
  const delivery = (await app.pg.query<{ id: string }>('SELECT id FROM webhook_deliveries WHERE job_id = $1', [cancelled.id])).rows[0]!.id
  t.equal(await queued(`webhook:${delivery}`), 1, 'its delivery is queued')
  await age(cancelled.id, 100)
  // Failed after its attempts: graphile-worker keeps its queue job.
  const failed = await newJob('tenants')
  await app.pg.query("UPDATE jobs SET status = 'failed' WHERE id = $1", [failed.id])
  await age(failed.id, 91)
  const stillFiled = await newJob('leases')
  await app.pg.query("UPDATE jobs SET status = 'succeeded' WHERE id = $1", [stillFiled.id])
  await age(stillFiled.id, 200, true)
  const recent = await newJob('charges')
  await app.jobStore.requestCancel(agencyId, recent.id, false)
  await age(recent.id, 80)
  const unfinished = await newJob('payments')
  await app.pg.query("UPDATE jobs SET created_at = now() - interval '1 year' WHERE id = $1", [unfinished.id])
  // The recent job's notification is 40 days old: past its own retention.
  await app.pg.query("UPDATE notifications SET created_at = now() - interval '40 days' WHERE job_id = $1", [recent.id])
  const fresh = await newJob('properties')
  await app.jobStore.requestCancel(agencyId, fresh.id, false)
  // Many old jobs: more than one batch.
  await app.pg.query(
    `INSERT INTO jobs (id, agency_id, user_id, type, status, params, fingerprint, max_attempts, finished_at)
     SELECT lpad(to_hex(n), 24, '0'), $1, $2, 'export', 'expired', '{}', 'bulk-' || n, 1, now() - interval '120 days' FROM generate_series(1, 2500) AS n`,
    [owner.agencyId, owner.userId])

  await prune()
  const left = async (id: string) => count('jobs WHERE id = $1', [id])
  t.equal(await left(cancelled.id), 0, 'a job finished 100 days ago is deleted')
  t.equal(await count('notifications WHERE job_id = $1', [cancelled.id]), 0, 'with its notification')
  t.equal(await count('webhook_deliveries WHERE job_id = $1', [cancelled.id]), 0, 'and its webhook delivery')
  t.equal(await queued(`webhook:${delivery}`), 0, 'whose queued delivery goes too')
  t.equal(await left(failed.id), 0, 'a failed job past the retention is deleted')
  t.equal(await queued(`haven-job:${failed.id}`), 0, 'with what the queue kept of it')
  t.equal(await count("jobs WHERE params = '{}'", []), 0, 'every old job, over several batches')
  t.equal(await left(stillFiled.id), 1, 'a job whose file is still kept stays')
  t.equal(await left(recent.id), 1, 'a job finished 80 days ago stays')
  t.equal(await left(unfinished.id), 1, 'an unfinished job stays, however old')
  t.equal(await queued(`haven-job:${unfinished.id}`), 1, 'and stays queued')
  t.equal(await count('notifications WHERE job_id = $1', [recent.id]), 0, 'a notification past its retention is deleted')
  t.equal(await count('notifications WHERE job_id = $1', [fresh.id]), 1, 'a new one stays')
  t.equal((await owner.get(`/v1/jobs/${cancelled.id}`)).statusCode, 404, 'a deleted job is not found')
  t.equal((await owner.get(`/v1/jobs/${recent.id}`)).statusCode, 200)

  const before = await count('jobs', [])
  await prune()
  t.equal(await count('jobs', []), before, 'a second run deletes nothing more')
})
