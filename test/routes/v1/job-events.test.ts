// Job event streams are bounded: a user holds at most JOB_EVENTS_MAX_PER_USER of
// them and a process JOB_EVENTS_MAX_PER_PROCESS (429 STREAM_LIMIT with
// Retry-After past either, a closed stream gives its slot back), and a change of
// a job is read from PostgreSQL once per process however many streams follow it.
import { test, type Test } from 'tap'
import { ObjectId } from 'mongodb'
import { setTimeout as sleep } from 'node:timers/promises'
import { testContext, type App } from '../../helper.ts'
import { signup, staff, type Caller } from '../../support/session.ts'
import { exportJob } from '../../support/jobs.ts'
import { waitFor } from '../../support/wait-for.ts'

interface StreamEvent { event: string, id: number, job: { status: string, processed: number } }

interface Stream {
  status: number
  headers: Headers
  body: unknown
  /** the events read so far */
  events: StreamEvent[]
  /** resolves when the server ends the stream */
  ended: Promise<void>
  close: () => void
}

async function listening (app: App): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
}

/** Opens GET /v1/jobs/:id/events; a 200 answer is read event by event until the server ends it or the test closes it. */
async function openStream (t: Test, base: string, caller: Caller, jobId: string): Promise<Stream> {
  const abort = new AbortController()
  t.teardown(() => abort.abort())
  const response = await fetch(`${base}/v1/jobs/${jobId}/events`, { headers: { authorization: `Bearer ${caller.accessToken}`, accept: 'text/event-stream' }, signal: abort.signal })
  const events: StreamEvent[] = []
  if (response.status !== 200) return { status: response.status, headers: response.headers, body: await response.json(), events, ended: Promise.resolve(), close: () => abort.abort() }
  const ended = (async () => {
    let text = ''
    try {
      for await (const chunk of response.body! as AsyncIterable<Uint8Array>) {
        text += Buffer.from(chunk).toString('utf8')
        let end: number
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end)
          text = text.slice(end + 2)
          const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2)
          const data = field('data')
          if (data !== undefined) events.push({ event: field('event')!, id: Number(field('id')), job: JSON.parse(data) })
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err
    }
  })()
  return { status: 200, headers: response.headers, body: null, events, ended, close: () => abort.abort() }
}


test('a user and a process hold a bounded number of streams', async (t) => {
  const context = await testContext(t)
  // No worker: the jobs stay queued, so their streams stay open.
  const app = await context.build({ env: { HAVEN_ROLE: 'api', JOB_EVENTS_MAX_PER_USER: '2', JOB_EVENTS_MAX_PER_PROCESS: '3', JOB_POLL_RETRY_AFTER_S: '7' } })
  const base = await listening(app)
  const owner = await signup(app, 'Streaming Agency')
  const colleague = await staff(app, owner, 'admin')
  const stranger = await signup(app, 'Other Agency')
  const job = await exportJob(owner, { resource: 'units', format: 'csv' })

  const first = await openStream(t, base, owner, job.id)
  const second = await openStream(t, base, owner, job.id)
  t.same([first.status, second.status], [200, 200], 'two streams for the user')
  t.match(first.headers.get('content-type'), /^text\/event-stream/)
  await waitFor('the first events', () => first.events.length > 0 && second.events.length > 0)
  t.match(first.events[0], { event: 'progress', job: { status: 'queued' } })

  const third = await openStream(t, base, owner, job.id)
  t.equal(third.status, 429, 'a third stream of the same user is refused')
  t.match(third.body, { code: 'STREAM_LIMIT' })
  t.equal(third.headers.get('retry-after'), '7', 'with when to come back')

  const colleagues = await openStream(t, base, colleague, job.id)
  t.equal(colleagues.status, 200, 'another user has streams of their own')
  const fourth = await openStream(t, base, stranger, (await exportJob(stranger, { resource: 'units', format: 'csv' })).id)
  t.equal(fourth.status, 429, 'past the process\'s limit, any user is refused')
  t.match(fourth.body, { code: 'STREAM_LIMIT' })

  first.close()
  // The server hears of the close when it next writes or reads the socket: poll until the slot is back.
  const again = await waitFor('a closed stream to give its slot back', async () => {
    const stream = await openStream(t, base, owner, job.id)
    return stream.status === 200 && stream
  })
  t.equal(again.status, 200, 'the closed stream\'s slot is free again')
  for (const stream of [second, colleagues, again]) stream.close()

  // Refused or not found, a request holds no slot.
  await waitFor('the slots are free', async () => (await openStream(t, base, stranger, job.id)).status === 404)
  const open = await Promise.all([owner, owner, colleague].map(async (caller) => await openStream(t, base, caller, job.id)))
  t.same(open.map((stream) => stream.status), [200, 200, 200], 'none leaked: the process has its three slots again')
})

test('a change is read once per process, whatever the number of streams on it', async (t) => {
  const STREAMS = 8
  const context = await testContext(t)
  const app = await context.build({ env: { HAVEN_ROLE: 'api', JOB_EVENTS_MAX_PER_USER: String(STREAMS) } })
  const base = await listening(app)
  const owner = await signup(app, 'Watched Agency')
  const queued = await exportJob(owner, { resource: 'units', format: 'csv' })

  const streams = await Promise.all(Array.from({ length: STREAMS }, async () => await openStream(t, base, owner, queued.id)))
  t.same(streams.map((stream) => stream.status), Array(STREAMS).fill(200))
  await waitFor('every stream has its first event', () => streams.every((stream) => stream.events.length > 0))

  // Count every read of this job's row from here on.
  const pool = app.pg.pool
  const query = pool.query
  let reads = 0
  pool.query = function (this: typeof pool, ...args: unknown[]) {
    const [text, values] = args as [unknown, unknown[] | undefined]
    if (typeof text === 'string' && text.startsWith('SELECT * FROM jobs WHERE id = $1') && values?.[0] === queued.id) reads++
    return (query as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof pool.query
  t.teardown(() => { pool.query = query })

  // The worker's own writes, run by hand: start, progress, finish. Each commits and is announced.
  const agencyId = new ObjectId(owner.agencyId)
  const running = await app.jobStore.start(owner.agencyId, queued.id, 1, 4, 'test-worker')
  t.ok(running, 'the job runs')
  const PROGRESS = 5
  for (let i = 1; i <= PROGRESS; i++) {
    await app.jobStore.progress(running!, i * 10, PROGRESS * 10)
    await sleep(20)
  }
  const finished = await app.jobStore.finish(running!, { status: 'succeeded', result: { rows: PROGRESS * 10 }, webhook: false })
  const changes = 1 + PROGRESS + 1

  await Promise.all(streams.map((stream) => stream.ended))
  for (const stream of streams) {
    t.match(stream.events.at(-1), { event: 'done', id: finished!.version, job: { status: 'succeeded', processed: PROGRESS * 10 } }, 'every stream ends with the final state')
  }
  t.ok(reads >= 1, `${reads} read(s) of the row for ${STREAMS} streams and ${changes} changes`)
  t.ok(reads <= changes, `at most one read per change (${reads} for ${changes} changes), not one per stream (${STREAMS * changes})`)
  t.equal((await app.jobStore.get(agencyId, queued.id))?.status, 'succeeded')
})
