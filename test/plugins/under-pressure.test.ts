import { test } from 'tap'
import { build } from '../helper.ts'
import { scrape } from '../support/scrape.ts'
import { waitFor } from '../support/wait-for.ts'

test('under pressure the API sheds load with 503 + Retry-After, but liveness and metrics answer', async (t) => {
  // A 1-byte heap limit is always exceeded once the first sample is taken.
  const app = await build(t, { env: { PRESSURE_MAX_HEAP_USED_BYTES: '1', PRESSURE_RETRY_AFTER_S: '7' } })
  const shed = await waitFor('the first memory sample to shed', async () => {
    const answer = await app.inject({ method: 'GET', url: '/docs/json' })
    return answer.statusCode === 503 && answer
  })
  t.equal(shed.headers['retry-after'], '7')
  t.equal(shed.json().code, 'OVERLOADED')

  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
  t.equal((await scrape(app)).statusCode, 200)
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.json().overloaded, true)
})

test('a request is shed at once while more MongoDB operations wait for a connection than allowed', async (t) => {
  // One pooled connection and a queue of at most two: thirty scans at once queue behind it,
  // for as long as a busy machine takes to run them (the queue's own time limit is not tested here).
  const app = await build(t, { env: { MONGODB_MAX_POOL_SIZE: '1', MONGODB_WAIT_QUEUE_TIMEOUT_MS: '120000', PRESSURE_MAX_MONGO_WAITING: '2', PRESSURE_RETRY_AFTER_S: '3' } })
  const scratch = app.mongo.db!.collection('pressure_scratch')
  await scratch.insertMany(Array.from({ length: 2_000 }, (_, i) => ({ i, text: 'x'.repeat(200) })))
  t.equal((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200, 'answered while nothing waits')

  const scans = Array.from({ length: 30 }, () => scratch.find({ text: { $exists: true } }).sort({ text: -1, i: -1 }).toArray())
  await waitFor('the scans to queue', () => app.mongoMonitor.waiting() > 2, { intervalMs: 0 })
  const [shed, live] = await Promise.all([app.inject({ method: 'GET', url: '/docs/json' }), app.inject({ method: 'GET', url: '/health/live' })])
  const waitingAfter = app.mongoMonitor.waiting()
  await Promise.all(scans)
  t.equal(shed.statusCode, 503, `shed while ${waitingAfter} operations still waited`)
  t.equal(shed.json().code, 'OVERLOADED')
  t.equal(shed.headers['retry-after'], '3')
  t.equal(live.statusCode, 200, 'liveness is never shed')
  // The app's own background reads (probes, revocation polls) share the one connection: the
  // queue is empty once they are through too.
  t.ok(await waitFor('the queue to drain', () => app.mongoMonitor.waiting() === 0), 'the queue drains')
  t.equal((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200, 'and requests are admitted again')
  const metrics = (await scrape(app)).body
  t.match(metrics, /haven_shed_requests_total\{reason="mongoWaitQueue"\} [1-9]/)
})
