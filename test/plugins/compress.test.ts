// Response compression: br or gzip as the client asks, above 1 KiB, for JSON, CSV and
// the docs; never for the job event stream or an XLSX file; a 304 stays empty.
import { test } from 'tap'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { build } from '../helper.ts'
import { signup } from '../support/session.ts'
import { leasedUnit } from '../support/portfolio.ts'
import { exportJob, waitForJob } from '../support/jobs.ts'

test('compression', async (t) => {
  const app = await build(t, { env: { HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200', EXPORT_RATE_LIMIT_MAX: '100' } })
  const owner = await signup(app, 'Compressed Agency')
  const { lease } = await leasedUnit(owner, 'Z1')
  for (let day = 0; day < 100; day += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, i) => owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: `Late fee ${day + i}`, amount: 1_000 + day + i, dueDate: '2026-05-01' })))
  }
  const page = '/v1/charges?limit=100'

  await t.test('a 100-charge page shrinks at least 5× with br and with gzip', async (t) => {
    const plain = await owner.get(page)
    t.equal(plain.statusCode, 200)
    t.equal(plain.json().items.length, 100)
    t.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: sent as it is')
    for (const [accept, encoding, decode] of [['br, gzip', 'br', brotliDecompressSync], ['gzip, deflate', 'gzip', gunzipSync]] as const) {
      const packed = await owner.get(page, { 'accept-encoding': accept })
      t.equal(packed.headers['content-encoding'], encoding, `Accept-Encoding: ${accept} → ${encoding}`)
      t.match(packed.headers.vary, /accept-encoding/i)
      t.same(JSON.parse(decode(packed.rawPayload).toString('utf8')), plain.json(), 'the same body')
      const factor = plain.rawPayload.length / packed.rawPayload.length
      t.ok(factor >= 5, `${plain.rawPayload.length} → ${packed.rawPayload.length} bytes: ${factor.toFixed(1)}×`)
      t.equal(packed.headers.etag, plain.headers.etag, 'one ETag for every encoding')
    }
    t.equal((await owner.get(page, { 'accept-encoding': 'identity' })).headers['content-encoding'], undefined, 'identity is respected')
    t.equal((await owner.get(page, { 'accept-encoding': 'br;q=0, gzip' })).headers['content-encoding'], 'gzip', 'a refused encoding is not used')
  })

  await t.test('small bodies and 304s are left alone', async (t) => {
    const small = await owner.get('/v1/agency', { 'accept-encoding': 'br, gzip' })
    t.equal(small.statusCode, 200)
    t.ok(small.rawPayload.length < 1_024)
    t.equal(small.headers['content-encoding'], undefined, 'under the threshold: not compressed')
    const etag = (await owner.get(page)).headers.etag as string
    const notModified = await owner.get(page, { 'accept-encoding': 'br, gzip', 'if-none-match': etag })
    t.equal(notModified.statusCode, 304)
    t.equal(notModified.headers['content-encoding'], undefined)
    t.equal(notModified.rawPayload.length, 0, 'no body')
  })

  await t.test('the docs are compressed', async (t) => {
    const json = await app.inject({ method: 'GET', url: '/docs/json', headers: { 'accept-encoding': 'br' } })
    t.equal(json.headers['content-encoding'], 'br')
    t.ok(JSON.parse(brotliDecompressSync(json.rawPayload).toString('utf8')).paths['/v1/charges'])
    const ui = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js', headers: { 'accept-encoding': 'gzip' } })
    t.equal(ui.statusCode, 200)
    t.equal(ui.headers['content-encoding'], 'gzip', 'and so are its scripts')
  })

  await t.test('a CSV download is compressed, an XLSX file and the event stream are not', async (t) => {
    const csv = await waitForJob(owner, (await exportJob(owner, { resource: 'charges', format: 'csv' })).id)
    const xlsx = await waitForJob(owner, (await exportJob(owner, { resource: 'charges', format: 'xlsx' })).id)
    t.equal(csv.status, 'succeeded')
    t.equal(xlsx.status, 'succeeded')
    const csvFile = await owner.get(`/v1/jobs/${csv.id}/download`, { 'accept-encoding': 'gzip' })
    t.match(csvFile.headers['content-type'], /^text\/csv/)
    t.equal(csvFile.headers['content-encoding'], 'gzip')
    t.match(gunzipSync(csvFile.rawPayload).toString('utf8'), /Late fee 99/)
    const xlsxFile = await owner.get(`/v1/jobs/${xlsx.id}/download`, { 'accept-encoding': 'br, gzip' })
    t.match(xlsxFile.headers['content-type'], /spreadsheetml/)
    t.equal(xlsxFile.headers['content-encoding'], undefined, 'a zip is not compressed again')
    t.equal(xlsxFile.rawPayload.subarray(0, 2).toString('latin1'), 'PK')
    const events = await owner.get(`/v1/jobs/${csv.id}/events`, { 'accept-encoding': 'br, gzip', accept: 'text/event-stream' })
    t.match(events.headers['content-type'], /^text\/event-stream/)
    t.equal(events.headers['content-encoding'], undefined, 'each event reaches the client as it is sent')
    t.match(events.payload, /event: done/)
  })
})
