// Signed webhooks: URL validation (no loopback, link-local or private address
// unless the development setting allows it), delivery by a job with retries, at
// most one accepted delivery per job and event, HMAC signatures and rotation.
import { test, type Test } from 'tap'
import { createHmac } from 'node:crypto'
import http from 'node:http'
import { ObjectId } from 'mongodb'
import type { AddressInfo } from 'node:net'
import { build, testContext } from '../../helper.ts'
import { signup, staff } from '../../support/session.ts'
import { exportJob, waitForJob } from '../../support/jobs.ts'
import { isPublicAddress } from '../../../plugins/app/webhooks/address-guard.ts'
import { waitFor } from '../../support/wait-for.ts'

interface Received { headers: http.IncomingHttpHeaders, body: string }

async function receiver (t: Test, answer: (count: number) => number) {
  const received: Received[] = []
  const server = http.createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => { body += chunk.toString() })
    request.on('end', () => {
      received.push({ headers: request.headers, body })
      response.writeHead(answer(received.length)).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received }
}

function signatures (header: string): { t: number, v1: string[] } {
  const parts = header.split(',').map((part) => part.split('=') as [string, string])
  return { t: Number(parts.find(([k]) => k === 't')![1]), v1: parts.filter(([k]) => k === 'v1').map(([, v]) => v) }
}

const sign = (secret: string, timestamp: number, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')

test('webhook URLs must be https on public addresses', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Strict Agency')
  for (const url of ['http://example.test/hook', 'https://127.0.0.1/hook', 'https://localhost/hook', 'https://[::1]/hook', 'https://10.1.2.3/x', 'https://169.254.169.254/latest', 'https://192.168.1.10/', 'https://user:pw@203.0.114.1/', 'not a url']) {
    const response = await owner.request({ method: 'PUT', url: '/v1/agency/webhook', payload: { url } })
    t.equal(response.statusCode, 400, url)
    t.equal(response.json().code, 'WEBHOOK_URL_REFUSED', url)
  }
  t.equal((await owner.get('/v1/agency/webhook')).statusCode, 404, 'nothing was stored')
  // Which address a host resolves to is never said: that would map internal host names for anyone.
  for (const url of ['https://localhost/hook', 'https://127.0.0.1/hook', 'https://10.1.2.3/x', 'https://[::1]/hook']) {
    const { message } = (await owner.request({ method: 'PUT', url: '/v1/agency/webhook', payload: { url } })).json()
    t.equal(message, 'The webhook host resolves to an address that is not allowed (only public addresses are)', `${url}: the address is not named`)
  }
  for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.0.1', '169.254.1.1', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fc00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
    t.notOk(isPublicAddress(address), `${address} is refused`)
  }
  for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) t.ok(isPublicAddress(address), `${address} is public`)
  const manager = await staff(app, owner, 'manager')
  t.equal((await manager.request({ method: 'PUT', url: '/v1/agency/webhook', payload: { url: 'https://203.0.114.1/' } })).statusCode, 403, 'admins only')
})

test('webhooks are signed, retried, and delivered once per job and event', async (t) => {
  const context = await testContext(t)
  const app = await context.build({ env: { HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } })
  const owner = await signup(app, 'Hook Agency')
  const other = await signup(app, 'Quiet Agency')
  // The first delivery is refused with a 500: the job retries it.
  const hook = await receiver(t, (count) => count === 1 ? 500 : 204)

  const put = await owner.request({ method: 'PUT', url: '/v1/agency/webhook', payload: { url: hook.url } })
  t.equal(put.statusCode, 201)
  const { secret } = put.json()
  t.match(secret, /^whsec_[A-Za-z0-9_-]{40,}$/)
  const shown = (await owner.get('/v1/agency/webhook')).json()
  t.equal(shown.secret, undefined, 'the secret is shown only once')
  t.equal(shown.secretHint, secret.slice(-4))
  t.equal((await other.get('/v1/agency/webhook')).statusCode, 404, 'another agency has none')
  t.equal((await owner.request({ method: 'PUT', url: '/v1/agency/webhook', payload: { url: `${hook.url}?v=2` } })).statusCode, 200, 'changing the URL keeps the secret')

  const job = await waitForJob(owner, (await exportJob(owner, { resource: 'units', format: 'csv' })).id)
  t.equal(job.status, 'succeeded')
  await waitFor('the retried delivery', () => hook.received.length >= 2)
  const [refused, accepted] = hook.received as [Received, Received]
  t.equal(refused.headers['haven-webhook-id'], accepted.headers['haven-webhook-id'], 'the retry is the same event')
  const event = JSON.parse(accepted.body)
  t.match(event, { event: 'job.succeeded', data: { job: { id: job.id, status: 'succeeded', type: 'export', downloadPath: `/v1/jobs/${job.id}/download` } } })
  t.equal(event.id, accepted.headers['haven-webhook-id'])
  const { t: timestamp, v1 } = signatures(String(accepted.headers['haven-signature']))
  t.equal(String(timestamp), accepted.headers['haven-webhook-timestamp'])
  t.same(v1, [sign(secret, timestamp, accepted.body)], 'HMAC-SHA256 of "<timestamp>.<body>" with the agency\'s secret')
  t.ok(Math.abs(timestamp - Date.now() / 1000) < 120, 'a current timestamp')

  // Once the delivery job has left the queue, nothing is left that could post it again.
  await waitFor('the delivery job to leave the queue', async () =>
    (await app.pg.query("SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'deliver-webhook'")).rows[0].n === 0)
  t.equal(hook.received.length, 2, 'an accepted event is never posted again')
  const { rows } = await app.pg.query('SELECT attempts, last_status, delivered_at FROM webhook_deliveries WHERE job_id = $1', [job.id])
  t.equal(rows.length, 1, 'one delivery per job and event')
  t.match(rows[0], { attempts: 2, last_status: 204 })
  t.ok(rows[0].delivered_at instanceof Date)
  t.equal((await app.webhooks.deliver(new ObjectId(owner.agencyId), event.id)).status, 'already-delivered', 'a replayed delivery job posts nothing')
  t.equal(hook.received.length, 2)

  await t.test('after a rotation both secrets sign for a day', async (t) => {
    const rotated = (await owner.post('/v1/agency/webhook/secret-rotation')).json()
    t.not(rotated.secret, secret)
    t.type(rotated.previousSecretExpiresAt, 'string')
    const second = await waitForJob(owner, (await exportJob(owner, { resource: 'tenants', format: 'csv' })).id)
    await waitFor('the delivery after the rotation', () => hook.received.length >= 3)
    const delivery = hook.received[2]!
    t.equal(JSON.parse(delivery.body).data.job.id, second.id)
    const { t: at, v1: both } = signatures(String(delivery.headers['haven-signature']))
    t.same(both, [sign(rotated.secret, at, delivery.body), sign(secret, at, delivery.body)])
  })

  await t.test('without a webhook nothing is queued', async (t) => {
    t.equal((await owner.delete('/v1/agency/webhook')).statusCode, 204)
    t.equal((await owner.delete('/v1/agency/webhook')).statusCode, 404)
    const third = await waitForJob(owner, (await exportJob(owner, { resource: 'leases', format: 'csv' })).id)
    const { rows } = await app.pg.query('SELECT count(*)::int AS n FROM webhook_deliveries WHERE job_id = $1', [third.id])
    t.equal(rows[0].n, 0)
    const quiet = await waitForJob(other, (await exportJob(other, { resource: 'units', format: 'csv' })).id)
    t.equal((await app.pg.query('SELECT count(*)::int AS n FROM webhook_deliveries WHERE job_id = $1', [quiet.id])).rows[0].n, 0, 'nor for an agency without one')
  })
})

test('a URL change and secret rotations at the same time: each changes only its own fields', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Racing Agency')
  const agencyId = new ObjectId(owner.agencyId)
  const put = (url: string) => owner.request({ method: 'PUT', url: '/v1/agency/webhook', payload: { url } })
  t.equal((await put('https://203.0.114.1/hooks')).statusCode, 201)

  for (let round = 1; round <= 6; round++) {
    const urls = Array.from({ length: 8 }, (_, i) => `https://203.0.114.1/hooks?round=${round}&put=${i}`)
    const [rotation, ...changes] = await Promise.all([owner.post('/v1/agency/webhook/secret-rotation'), ...urls.map(put)])
    t.same([rotation!.statusCode, ...changes.map((change) => change.statusCode)], [200, ...urls.map(() => 200)], `round ${round}: every request succeeds`)
    const stored = await app.repos.agencies.findWebhook(agencyId)
    t.equal(stored?.secret, rotation!.json().secret, `round ${round}: the rotated secret stays (no URL change wrote the old one back)`)
    t.ok(urls.includes(stored!.url), `round ${round}: the URL is one of the changes`)
  }

  const before = (await app.repos.agencies.findWebhook(agencyId))!.secret
  const rotations = await Promise.all(Array.from({ length: 5 }, async () => await owner.post('/v1/agency/webhook/secret-rotation')))
  t.same(rotations.map((rotation) => rotation.statusCode), [200, 200, 200, 200, 200])
  const secrets = rotations.map((rotation) => rotation.json().secret as string)
  t.equal(new Set(secrets).size, 5, 'five new secrets')
  const stored = (await app.repos.agencies.findWebhook(agencyId))!
  t.ok(secrets.includes(stored.secret), 'the secret is one that was answered')
  t.ok(secrets.includes(stored.previousSecret!), 'the previous secret is the one it replaced, another answered one (rotations did not each replace the same secret)')
  t.not(stored.previousSecret, before)
})
