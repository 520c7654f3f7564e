// Jobs and real worker processes (node server.ts, HAVEN_ROLE=worker):
//  - kill -9 a worker mid-export: once another worker runs, every export
//    succeeds within the heartbeat limit plus its run time, with exactly one
//    complete file each and no chunk of the dead attempt left behind;
//  - SIGTERM a worker mid-export: it stops within its grace period, leaves no
//    job locked, and the export resumes on the next worker;
//  - the event stream of an API instance delivers the progress of a job that
//    another process runs, with heartbeats, and resumes with Last-Event-ID.
import { test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { GridFSBucket, type Db, type ObjectId } from 'mongodb'
import { testContext, type Env } from '../helper.ts'
import { signup } from '../support/session.ts'
import { csvRows, exportJob, seedCharges, waitForJob, xlsxSheets } from '../support/jobs.ts'
import { PATIENCE_MS, waitFor } from '../support/wait-for.ts'

const root = path.resolve(import.meta.dirname, '..', '..')
const ROWS = 15_000
const DEAD_AFTER_MS = 3_000
// Far longer than a cooperative stop takes on a busy machine: a worker that waited its grace
// out instead of handing its job back would take this long.
const GRACE_MS = 60_000

interface Worker { child: ChildProcess, exited: Promise<number | null>, output: () => string }

async function startWorker (env: Env): Promise<Worker> {
  const child = spawn(process.execPath, [path.join(root, 'server.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      ...env,
      HAVEN_ROLE: 'worker',
      PORT: '0',
      LOG_LEVEL: 'info',
      WORKER_POLL_INTERVAL_MS: '200',
      WORKER_HEARTBEAT_INTERVAL_MS: '500',
      WORKER_DEAD_AFTER_MS: String(DEAD_AFTER_MS),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      EXPORT_BATCH_SIZE: '100',
      JOB_PROGRESS_INTERVAL_MS: '50'
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  await waitFor('the worker to start', () => {
    if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}):\n${output}`)
    return output.includes('Haven API ready')
  }, { context: () => output })
  return { child, exited, output: () => output }
}

/** Exactly one stored file for the job, complete: its chunks add up to its length. */
async function storedFiles (db: Db, jobId: string) {
  const files = await db.collection('job_files.files').find({ 'metadata.jobId': jobId }).toArray()
  const complete = await Promise.all(files.map(async (file) => {
    const chunks = await db.collection('job_files.chunks').find({ files_id: file._id }, { projection: { n: 1, data: 1 } }).toArray()
    return chunks.reduce((sum, chunk) => sum + (chunk.data as { length: () => number }).length(), 0) === file.length
  }))
  return { count: files.length, complete: complete.every(Boolean), ids: files.map((file) => file._id as ObjectId) }
}

async function orphanChunks (db: Db): Promise<number> {
  const fileIds = (await db.collection('job_files.files').find({}, { projection: { _id: 1 } }).toArray()).map((file) => file._id)
  return await db.collection('job_files.chunks').countDocuments({ files_id: { $nin: fileIds } })
}

async function rowsOf (db: Db, fileId: ObjectId, format: 'csv' | 'xlsx'): Promise<number> {
  const parts: Buffer[] = []
  for await (const part of new GridFSBucket(db, { bucketName: 'job_files' }).openDownloadStream(fileId)) parts.push(part as Buffer)
  if (format === 'csv') return csvRows(Buffer.concat(parts)).length - 1
  const sheets = await xlsxSheets(Buffer.concat(parts))
  return sheets.reduce((sum, sheet) => sum + sheet.rows.length - 1, 0)
}

test('worker processes', async (t) => {
  const context = await testContext(t)
  const api = await context.build({ env: { JOB_EVENTS_HEARTBEAT_MS: '200' } })
  const owner = await signup(api, 'Process Agency')
  const db = api.mongo.db!
  await seedCharges(db, owner.agencyId, ROWS)
  const locked = async () => (await api.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_at IS NOT NULL')).rows[0]!.n
  const workers: Worker[] = []
  t.teardown(() => { for (const worker of workers) worker.child.kill('SIGKILL') })
  const spawnWorker = async () => {
    const worker = await startWorker(context.env)
    workers.push(worker)
    return worker
  }
  /** Each test starts from no worker at all, so it knows which process runs its job. */
  const stopWorkers = async () => {
    for (const worker of workers.splice(0)) {
      worker.child.kill('SIGTERM')
      await worker.exited
    }
  }

  await t.test('kill -9 mid-export: a new worker completes every export, one complete file each', async (t) => {
    const requests = [{ format: 'xlsx', filters: {} }, { format: 'csv', filters: { status: 'open' } }, { format: 'xlsx', filters: { status: 'open', overdue: true } }] as const
    const jobs = await Promise.all(requests.map((r) => exportJob(owner, { resource: 'charges', ...r })))
    const first = await spawnWorker()
    for (const job of jobs) await waitForJob(owner, job.id, (j) => j.status === 'running' && j.processed > 0 && j.processed < ROWS)
    first.child.kill('SIGKILL')
    await first.exited
    const killedAt = Date.now()
    t.equal(await locked(), 3, 'the dead worker\'s jobs are still locked')

    await spawnWorker()
    for (const [i, job] of jobs.entries()) {
      const done = await waitForJob(owner, job.id, undefined, DEAD_AFTER_MS + 90_000)
      t.equal(done.status, 'succeeded', `job ${job.id} succeeded`, { done })
      t.equal(done.retry.attempts, 2, 'on its second attempt')
      const stored = await storedFiles(db, job.id)
      t.equal(stored.count, 1, 'exactly one file')
      t.ok(stored.complete, 'and it is complete')
      t.equal(await rowsOf(db, stored.ids[0]!, requests[i]!.format), ROWS, 'every row is in it')
    }
    t.ok(Date.now() - killedAt > DEAD_AFTER_MS, 'retried only once the dead worker\'s heartbeat was stale')
    t.equal(await orphanChunks(db), 0, 'the dead attempts left no chunks')
    t.equal(await locked(), 0)
  })

  await t.test('SIGTERM mid-export: the worker stops within its grace and leaves nothing locked', async (t) => {
    await stopWorkers()
    const worker = await spawnWorker()
    const job = await exportJob(owner, { resource: 'charges', format: 'xlsx', filters: { sort: '-dueDate' } })
    await waitForJob(owner, job.id, (j) => j.status === 'running' && j.processed > 0 && j.processed < ROWS)
    const signalledAt = Date.now()
    worker.child.kill('SIGTERM')
    const code = await worker.exited
    const tookMs = Date.now() - signalledAt
    t.equal(code, 0, 'a clean exit', { output: worker.output().slice(-2_000) })
    t.ok(tookMs < GRACE_MS, `stopped in ${tookMs} ms (grace ${GRACE_MS} ms)`)
    t.equal(await locked(), 0, 'no job left locked')
    const released = (await owner.get(`/v1/jobs/${job.id}`)).json()
    t.match(released, { status: 'queued', error: { code: 'INTERRUPTED' } }, 'handed back to the queue')
    t.equal((await storedFiles(db, job.id)).count, 0, 'no partial file')
    t.equal(await orphanChunks(db), 0, 'no chunks of it either')

    await spawnWorker()
    const done = await waitForJob(owner, job.id, undefined, 90_000)
    t.equal(done.status, 'succeeded')
    t.equal((await storedFiles(db, job.id)).count, 1)
  })

  await t.test('the event stream carries the progress of a job another process runs', async (t) => {
    await stopWorkers()
    await api.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`
    const job = await exportJob(owner, { resource: 'charges', format: 'csv', filters: { status: 'open', sort: '-dueDate' } })
    const response = await fetch(`${base}/v1/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${owner.accessToken}`, accept: 'text/event-stream' } })
    t.equal(response.status, 200)
    t.match(response.headers.get('content-type'), /^text\/event-stream/)
    const reader = response.body!.getReader()
    let text = ''
    /** Reads until the condition holds; true if it does, false if the stream ended first. */
    const readUntil = async (condition: () => boolean, timeoutMs = PATIENCE_MS) => {
      const deadline = Date.now() + timeoutMs
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`stream: condition not met; got:\n${text.slice(-2_000)}`)
        const { value, done } = await reader.read()
        if (done) return false
        text += Buffer.from(value).toString()
      }
      return true
    }
    await readUntil(() => text.includes('event: progress'))
    t.ok(await readUntil(() => text.includes(': heartbeat')), 'heartbeats while the job waits')

    await spawnWorker()
    await readUntil(() => text.includes('event: done'), 90_000)
    t.notOk(await readUntil(() => false), 'the server closes the stream after done')
    const events = text.split('\n\n').filter((block) => block.includes('data:')).map((block) => {
      const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}:`))?.slice(name.length + 1).trim()
      return { id: Number(field('id')), event: field('event'), job: JSON.parse(field('data')!) }
    })
    const progress = events.filter((e) => e.event === 'progress')
    t.ok(progress.some((e) => e.job.status === 'running' && e.job.processed > 0), 'progress of the running job, from the worker process')
    t.same(events.map((e) => e.id), [...events.map((e) => e.id)].sort((x, y) => x - y), 'ids (versions) only go up')
    const last = events.at(-1)!
    t.match(last, { event: 'done', job: { status: 'succeeded', processed: ROWS } })

    const resumed = await fetch(`${base}/v1/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${owner.accessToken}`, 'last-event-id': String(last.id) } })
    t.equal((await resumed.text()).includes('data:'), false, 'nothing newer than the last event received: nothing sent')
    const older = await fetch(`${base}/v1/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${owner.accessToken}`, 'last-event-id': String(last.id - 1) } })
    t.match(await older.text(), /event: done/, 'a client that missed the end gets it')
    const stranger = await signup(api, 'Stranger Agency')
    t.equal((await fetch(`${base}/v1/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${stranger.accessToken}` } })).status, 404, 'another agency\'s job is not found')
  })
})
