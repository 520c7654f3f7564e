// Webhook receivers cannot hold the workers: a delivery attempt ends at its
// deadline (WEBHOOK_TIMEOUT_MS) whatever the receiver does, as a failed attempt
// that the queue retries; it reads at most a capped part of the answer; and
// deliveries run in slots of their own, so exports queued meanwhile finish.
// The receivers are real local HTTPS servers.
import { test } from 'tap'
import type http from 'node:http'
import { testContext } from '../helper.ts'
import { signup, type Caller } from '../support/session.ts'
import { exportJob, waitForJob } from '../support/jobs.ts'
import { waitFor } from '../support/wait-for.ts'
import { httpsReceiver } from '../support/https-receiver.ts'

// The dripping delivery holds its slot this long: an export queued meanwhile must finish within
// it, so it is long for a busy machine (the test waits it out once).
const DEADLINE_MS = 45_000

/** Headers at once, then a byte every 200 ms, never the end. */
function drip (response: http.ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/plain' })
  response.write('.')
  const timer = setInterval(() => response.write('.'), 200)
  response.on('close', () => clearInterval(timer))
}

/** Headers at once, then a body as fast as the connection takes it, never the end. */
function flood (response: http.ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/octet-stream' })
  const chunk = Buffer.alloc(16 * 1024, 'x')
  const more = () => {
    while (!response.destroyed && response.write(chunk));
  }
  response.on('drain', more)
  more()
}

test('receivers cannot hold a delivery past its deadline, nor the slots of other work', async (t) => {
  const context = await testContext(t)
  // One slot for everything else and one for deliveries: a held delivery slot must not stop exports.
  const app = await context.build({
    env: { HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200', WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WORKER_CONCURRENCY: '1', WEBHOOK_CONCURRENCY: '1', WEBHOOK_TIMEOUT_MS: String(DEADLINE_MS) },
    jobs: { crontab: '' }
  })
  const delivery = async (jobId: string) => (await app.pg.query('SELECT id, attempts, last_status, last_error, delivered_at FROM webhook_deliveries WHERE job_id = $1', [jobId])).rows[0]
  const hooked = async (name: string, url: string): Promise<Caller> => {
    const caller = await signup(app, name)
    t.equal((await caller.request({ method: 'PUT', url: '/v1/agency/webhook', payload: { url } })).statusCode, 201, `${name}: webhook set`)
    return caller
  }

  await t.test('an endless answer is read up to its cap: the status counts', async (t) => {
    const receiver = await httpsReceiver(t, flood)
    const owner = await hooked('Flooded Agency', receiver.url)
    const job = await waitForJob(owner, (await exportJob(owner, { resource: 'units', format: 'csv' })).id)
    await waitFor('the delivery is accepted', async () => (await delivery(job.id))?.delivered_at != null)
    t.match(await delivery(job.id), { attempts: 1, last_status: 200, last_error: null }, 'accepted on its status, without the end of its body')
    await waitFor('the connection is dropped once the cap is read', () => receiver.open() === 0)
    await receiver.close()
  })

  await t.test('a receiver that drips its answer: the attempt ends at the deadline and is retried; exports go on meanwhile', async (t) => {
    // The first delivery drips; later ones (the retry, the second export's event) are answered at once.
    let dripClosed = false
    const receiver = await httpsReceiver(t, (response, n) => {
      if (n > 1) return response.writeHead(204).end()
      drip(response)
      response.on('close', () => { dripClosed = true })
    })
    const owner = await hooked('Dripping Agency', receiver.url)
    const first = await waitForJob(owner, (await exportJob(owner, { resource: 'units', format: 'csv' })).id)
    t.equal(first.status, 'succeeded')
    await waitFor('the receiver gets the delivery', () => receiver.received.length === 1)
    t.match(JSON.parse(receiver.received[0]!), { event: 'job.succeeded', data: { job: { id: first.id } } })

    // The delivery now holds its slot, a byte at a time. An export queued meanwhile still runs.
    const second = await waitForJob(owner, (await exportJob(owner, { resource: 'tenants', format: 'csv' })).id)
    t.equal(second.status, 'succeeded', 'an export queued while the receiver holds its delivery finishes')
    t.equal(dripClosed, false, 'while the delivery is still under way')
    t.equal((await delivery(first.id)).attempts, 0, 'and has not ended yet')

    await waitFor('the attempt ends', async () => (await delivery(first.id)).attempts === 1)
    t.match(await delivery(first.id), { last_status: null, delivered_at: null, last_error: `the receiver did not answer completely within ${DEADLINE_MS} ms` }, 'a failed attempt, at the deadline')
    await waitFor('Haven drops the dripping connection', () => dripClosed)
    await waitFor('the retry is accepted', async () => (await delivery(first.id)).delivered_at !== null)
    t.match(await delivery(first.id), { attempts: 2, last_status: 204, last_error: null }, 'the queue retried it, and the receiver took it')
    const ids = receiver.received.map((body) => JSON.parse(body).id as string)
    t.equal(ids.filter((id) => id === ids[0]).length, 2, 'the same event, posted twice')
    await receiver.close()
  })
})
