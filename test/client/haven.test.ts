// The typed client (client/dist) against a running Haven, as a web app uses it:
// sign up, build a portfolio, record a payment whose answer is lost on the way
// (the retry carries the same Idempotency-Key: one payment), walk a list page
// by page, export, wait by polling (ETag, Retry-After) and by the event stream
// (reopened after the connections drop), download, and check the webhook Haven signed. Then the session: concurrent
// 401s spend the single-use refresh token once, also across two client objects
// sharing a store (two tabs), and a refused refresh is a SessionRevokedError.
// Last, a 429's Retry-After is waited out and a retry keeps its key.
import { test, type Test } from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHavenClient, HavenError, memoryTokens, ok, SessionRevokedError, verifyWebhook, type Job, type Tokens } from '../../client/dist/index.js'
import { build, testContext } from '../helper.ts'
import { startTcpProxy } from '../support/tcp-proxy.ts'
import { csvRows } from '../support/jobs.ts'
import { uniqueEmail, PASSWORD } from '../support/session.ts'
import { listening, recordingFetch, type Attempt } from '../support/haven-client.ts'
import { waitFor } from '../support/wait-for.ts'

const address = { line1: '1 Client Street', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' }

async function webhookReceiver (t: Test) {
  const received: Array<{ signature: string, body: string }> = []
  const server = http.createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => { body += chunk.toString() })
    request.on('end', () => {
      received.push({ signature: String(request.headers['haven-signature']), body })
      response.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received }
}

test('the client signs up, builds a portfolio, pays once through a lost answer, pages, exports, follows and downloads', async (t) => {
  const context = await testContext(t)
  const shared = { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', JOB_POLL_RETRY_AFTER_S: '1' }
  // The API alone first: the export stays queued while the client polls it.
  const api = await context.build({ env: { ...shared, HAVEN_ROLE: 'api' } })
  const origin = await listening(api)
  const proxy = await startTcpProxy('127.0.0.1', Number(new URL(origin).port))
  t.teardown(() => proxy.close())
  const log: Attempt[] = []
  const haven = createHavenClient({ baseUrl: `http://127.0.0.1:${proxy.port}`, fetch: recordingFetch(log) })

  const email = uniqueEmail('client')
  const signedUp = await haven.signup({ agencyName: 'Client Lettings', name: 'Cleo Client', email, password: PASSWORD, currency: 'GBP' })
  t.equal(signedUp.user.role, 'owner')
  const property = ok(await haven.POST('/v1/properties', { body: { name: 'Typed House', kind: 'residential', address } }))
  const unit = ok(await haven.POST('/v1/units', { body: { propertyId: property.id, label: 'T1', bedrooms: 2, bathrooms: 1, marketRent: 90_000 } }))
  const tenant = ok(await haven.POST('/v1/tenants', { body: { firstName: 'Tess', lastName: 'Typed' } }))
  const lease = ok(await haven.POST('/v1/leases', {
    body: { unitId: unit.id, tenantIds: [tenant.id], startDate: '2026-01-01', endDate: '2026-12-31', rent: 90_000, deposit: 0, dueDay: 1, activate: true }
  }))
  t.equal(lease.status, 'active')
  t.ok(log.filter((a) => a.method === 'POST').every((a) => a.idempotencyKey !== null), 'every POST carried an Idempotency-Key')

  // The payment is recorded, but its answer never reaches the client: it sends again, same key.
  proxy.dropNextResponse()
  const before = log.length
  const payment = ok(await haven.POST('/v1/payments', { body: { leaseId: lease.id, amount: 45_000, method: 'card' } }))
  const attempts = log.slice(before)
  t.same(attempts.map((a) => a.status), ['lost', 201], 'the first answer was lost, the retry answered')
  t.equal(attempts[1]!.idempotencyKey, attempts[0]!.idempotencyKey, 'the retry carried the same key')
  t.ok(attempts[1]!.replayed, 'Haven answered the retry with the first result (Idempotent-Replayed)')
  const payments = ok(await haven.GET('/v1/payments', { params: { query: { leaseId: lease.id } } }))
  t.same(payments.items.map((p) => p.id), [payment.id], 'one payment recorded')
  t.equal(payments.items[0]!.amount, 45_000)

  // Page by page: 7 properties, 3 a page.
  for (let i = 1; i <= 6; i++) ok(await haven.POST('/v1/properties', { body: { name: `Paged ${i}`, kind: 'residential', address } }))
  const pageSizes: number[] = []
  for await (const page of haven.pages('/v1/properties', { query: { limit: 3, sort: 'name' } })) pageSizes.push(page.items.length)
  t.same(pageSizes, [3, 3, 1], 'three pages of a list of 7')
  const names: string[] = []
  for await (const item of haven.items('/v1/properties', { query: { limit: 3, sort: 'name' } })) names.push(item.name)
  t.same(names, ['Paged 1', 'Paged 2', 'Paged 3', 'Paged 4', 'Paged 5', 'Paged 6', 'Typed House'], 'every item once, in order')

  const hook = await webhookReceiver(t)
  const webhook = ok(await haven.PUT('/v1/agency/webhook', { body: { url: hook.url } }))
  const secret = webhook.secret!
  t.match(secret, /^whsec_/)

  // The export waits in the queue: the client polls with the ETag (304s) at the pace of Retry-After,
  // and follows the event stream at the same time.
  const queued = ok(await haven.POST('/v1/exports', { body: { resource: 'properties', format: 'csv', filters: { sort: 'name' } } }))
  t.equal(queued.status, 'queued')
  const progress: Job[] = []
  const stop = new AbortController()
  t.teardown(() => stop.abort())
  const polled = haven.waitForJob(queued.id, { onProgress: (job) => progress.push(job), signal: stop.signal })
  const followed = (async () => {
    const states: Job[] = []
    for await (const job of haven.followJob(queued.id, { signal: stop.signal })) states.push(job)
    return states
  })()
  // Awaited below; should the test fail first, their rejection at teardown is not an unhandled one.
  for (const waiting of [polled, followed]) waiting.catch(() => undefined)
  const polls = () => log.filter((a) => a.method === 'GET' && a.path === `/v1/jobs/${queued.id}`)
  await waitFor('two polls answered 304', () => polls().filter((a) => a.status === 304).length >= 2)
  // The connections drop (a train goes into a tunnel): the stream comes back with Last-Event-ID.
  const streams = () => log.filter((a) => a.path === `/v1/jobs/${queued.id}/events`)
  await waitFor('the event stream open', () => streams().length === 1)
  proxy.cut()
  proxy.restore()
  await waitFor('the event stream reopened with Last-Event-ID', () => streams().some((a) => a.status === 200 && a.lastEventId !== null))
  // Now a worker runs it.
  await context.build({ env: { ...shared, HAVEN_ROLE: 'worker', WORKER_POLL_INTERVAL_MS: '200', JOB_PROGRESS_INTERVAL_MS: '1', EXPORT_BATCH_SIZE: '10' } })
  const done = await polled
  t.equal(done.status, 'succeeded', 'waitForJob answers the finished job')
  t.equal(done.percent, 100)
  t.equal(progress[0]!.status, 'queued', 'onProgress saw the queued job first')
  t.equal(progress.at(-1)!.status, 'succeeded')
  const seen = polls()
  t.ok(seen.slice(1).every((a) => a.ifNoneMatch !== null), 'every poll after the first carried If-None-Match')
  t.ok(seen.every((a, i) => i === 0 || seen[i - 1]!.status !== 304 || a.startedAt - seen[i - 1]!.startedAt >= 950),
    `each poll after a 304 waited Retry-After (1 s): ${seen.map((a) => `${a.status}@${a.startedAt - seen[0]!.startedAt}`).join(' ')}`)
  t.equal(seen.find((a) => a.status === 304)?.retryAfter, '1', 'the 304 carried Retry-After')

  const states = await followed
  t.equal(states.at(-1)!.status, 'succeeded', 'the event stream ended with the finished job')
  t.equal(states.filter((job) => job.status === 'queued').length, 1, 'the queued state once: the reopened stream sent only newer states')
  t.ok(states.every((job, i) => i === 0 || Date.parse(job.updatedAt) >= Date.parse(states[i - 1]!.updatedAt)), 'states in order')

  const file = await haven.download(done)
  t.equal(file.fileName, done.download!.fileName)
  t.match(file.contentType, /^text\/csv/)
  const rows = csvRows(Buffer.from(await file.response.arrayBuffer()))
  const nameColumn = rows[0]!.indexOf('name')
  t.same(rows.slice(1).map((row) => row[nameColumn]), names, 'the file holds every property')

  // The webhook of the finished export, verified as a receiver would.
  await waitFor('the webhook delivered', () => hook.received.length > 0)
  const delivery = hook.received[0]!
  t.ok(await verifyWebhook({ signature: delivery.signature, body: delivery.body, secret }), 'the signature verifies with the secret')
  const refused = async (options: Partial<Parameters<typeof verifyWebhook>[0]>) => await verifyWebhook({ signature: delivery.signature, body: delivery.body, secret, ...options }).then(() => 'accepted', (err: { reason: string }) => err.reason)
  t.equal(await refused({ secret: 'whsec_other' }), 'SIGNATURE_MISMATCH', 'another secret is refused')
  t.equal(await refused({ body: delivery.body.replace('succeeded', 'failed') }), 'SIGNATURE_MISMATCH', 'a changed body is refused')
  t.equal(await refused({ now: new Date(Date.now() + 10 * 60_000) }), 'TIMESTAMP_OUT_OF_TOLERANCE', 'an old delivery is refused')
  t.equal(await refused({ signature: null }), 'MISSING_SIGNATURE')
  t.equal(await refused({ signature: 't=abc' }), 'MALFORMED_SIGNATURE')

  // After a rotation Haven signs with both secrets for a day: a receiver holding either accepts.
  const rotated = ok(await haven.POST('/v1/agency/webhook/secret-rotation', { body: {} }))
  const newSecret = rotated.secret!
  const again = ok(await haven.POST('/v1/exports', { body: { resource: 'tenants', format: 'csv' } }))
  t.equal((await haven.waitForJob(again.id)).status, 'succeeded')
  await waitFor('the second webhook delivered', () => hook.received.length > 1)
  const second = hook.received[1]!
  t.equal(second.signature.split(',').filter((part) => part.startsWith('v1=')).length, 2, 'signed with both secrets')
  t.ok(await verifyWebhook({ signature: second.signature, body: second.body, secret }), 'the previous secret still verifies')
  t.ok(await verifyWebhook({ signature: second.signature, body: second.body, secret: newSecret }), 'the new secret verifies')
  t.ok(await verifyWebhook({ signature: second.signature, body: second.body, secret: ['whsec_unrelated', newSecret] }), 'a receiver may hold several secrets')
})

test('concurrent 401s spend the single-use refresh token once, also across two clients sharing a store; a refused refresh is a SessionRevokedError', async (t) => {
  const app = await build(t)
  const origin = await listening(app)
  const log: Attempt[] = []
  // The first refresh is held on its way until the other client is waiting for the lock.
  let refreshesAsked = 0
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  t.teardown(() => release()) // should the test fail while it is held
  const hold = async (request: Request) => {
    if (new URL(request.url).pathname !== '/v1/auth/refresh') return
    refreshesAsked++
    await released
  }
  const store = memoryTokens()
  const tab = () => createHavenClient({ baseUrl: origin, tokens: store, fetch: recordingFetch(log, hold) })
  const [first, second] = [tab(), tab()]
  const email = uniqueEmail('tabs')
  await first.signup({ agencyName: 'Two Tabs Lettings', name: 'Tab Owner', email, password: PASSWORD })
  const signedIn = (await store.get())!
  await store.set({ ...signedIn, accessToken: 'no-longer-valid' })

  const calls = [first, first, first, second, second, second].map((client) => client.GET('/v1/users/me'))
  await waitFor('one refresh on its way, the other client waiting for the lock', async () => refreshesAsked === 1 && (await navigator.locks.query()).pending!.length >= 1)
  release()
  const answers = await Promise.all(calls)
  t.same(answers.map((answer) => answer.response.status), [200, 200, 200, 200, 200, 200], 'every call answered, with the new token')
  t.equal(log.filter((a) => a.path === '/v1/auth/refresh').length, 1, 'one refresh for six refused calls in two clients')
  t.equal(answers[5]!.data!.email, email)
  const refreshed = (await store.get())!
  t.not(refreshed.refreshToken, signedIn.refreshToken, 'the store holds the new pair')

  // Someone else spends the refresh token (a copy, or a tab that lost its answer): the next refresh is refused.
  const spent = await fetch(`${origin}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: refreshed.refreshToken }) })
  t.equal(spent.status, 200)
  await store.set({ ...refreshed, expiresAt: Date.now() - 1 })
  const ended: SessionRevokedError[] = []
  const client = createHavenClient({ baseUrl: origin, tokens: store, fetch: recordingFetch(log), onSessionRevoked: (error) => ended.push(error) })
  await t.rejects(client.GET('/v1/users/me'), { name: 'SessionRevokedError', code: 'REFRESH_TOKEN_REUSED', status: 401 }, 'a typed error says the session is over')
  t.equal(ended.length, 1, 'onSessionRevoked heard it once')
  t.equal(await store.get(), null, 'the tokens are forgotten')
  const sent = log.length
  await t.rejects(client.GET('/v1/users/me'), { name: 'SessionRevokedError', code: 'SIGNED_OUT' }, 'signed out, a call needing a session says so')
  t.equal(log.length, sent, 'without reaching Haven')
  t.equal(ended.length, 2, 'and onSessionRevoked heard it')

  // Login and logout: the refresh token stops working.
  const tokens: Tokens = await client.login({ email, password: PASSWORD })
  t.equal(ok(await client.GET('/v1/users/me')).email, email)
  await client.logout()
  t.equal(await store.get(), null)
  const afterLogout = await fetch(`${origin}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: tokens.refreshToken }) })
  t.equal(afterLogout.status, 401, 'the logged-out refresh token is refused')
})

test('a 429 is sent again after its Retry-After with the same Idempotency-Key; a wait beyond the bound is answered at once', async (t) => {
  const app = await build(t, { env: { EXPORT_RATE_LIMIT_MAX: '1', EXPORT_RATE_LIMIT_WINDOW_MS: '2000' } })
  const origin = await listening(app)
  const log: Attempt[] = []
  const store = memoryTokens()
  const haven = createHavenClient({ baseUrl: origin, tokens: store, fetch: recordingFetch(log) })
  await haven.signup({ agencyName: 'Patient Lettings', name: 'Pat Patient', email: uniqueEmail('patient'), password: PASSWORD })
  ok(await haven.POST('/v1/exports', { body: { resource: 'properties', format: 'csv' } }))
  const before = log.length
  const second = await haven.POST('/v1/exports', { body: { resource: 'tenants', format: 'csv' } })
  t.equal(second.response.status, 202, 'the second export was accepted in the end')
  const attempts = log.slice(before)
  t.same(attempts.map((a) => a.status), [429, 202], 'refused once, then accepted')
  t.equal(attempts[1]!.idempotencyKey, attempts[0]!.idempotencyKey, 'the retry carried the same key')
  const waited = attempts[1]!.startedAt - attempts[0]!.startedAt
  t.ok(waited >= Number(attempts[0]!.retryAfter) * 1000 - 20, `waited ${waited} ms for Retry-After: ${attempts[0]!.retryAfter}`)

  const impatientLog: Attempt[] = []
  const impatient = createHavenClient({ baseUrl: origin, tokens: store, fetch: recordingFetch(impatientLog), retry: { maxDelayMs: 100 } })
  const refused = await impatient.POST('/v1/exports', { body: { resource: 'units', format: 'csv' } })
  t.equal(refused.response.status, 429, 'a Retry-After beyond maxDelayMs is answered to the caller')
  t.equal(impatientLog.length, 1, 'without a retry')
  t.throws(() => ok(refused), HavenError, 'ok() turns it into a HavenError')
})
