// Malformed bodies of every content type Haven takes (JSON everywhere, text/plain as Fastify
// registers it, multipart/form-data on POST /v1/imports) answer 4xx with a stable code, never
// a 500; a type no route takes answers 415. Nothing is queued or kept.
import { test } from 'tap'
import { build } from '../helper.ts'
import { signup } from '../support/session.ts'

const B = 'haven-boundary'
const MULTIPART = `multipart/form-data; boundary=${B}`
const FILE_PART = `--${B}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n`

interface Case { name: string, url: string, contentType: string, body: string | Buffer, status: number, code: string }

const JSON_ROUTE = '/v1/properties'
const IMPORTS = '/v1/imports?resource=properties'

const CASES: Case[] = [
  { name: 'JSON cut short', url: JSON_ROUTE, contentType: 'application/json', body: '{"name": "Harbour', status: 400, code: 'INVALID_JSON' },
  { name: 'JSON: not JSON at all', url: JSON_ROUTE, contentType: 'application/json', body: 'name=Harbour', status: 400, code: 'INVALID_JSON' },
  { name: 'JSON: an empty body', url: JSON_ROUTE, contentType: 'application/json', body: '', status: 400, code: 'INVALID_JSON' },
  { name: 'JSON: a prototype key', url: JSON_ROUTE, contentType: 'application/json', body: '{"__proto__": {"admin": true}}', status: 400, code: 'INVALID_JSON' },
  { name: 'JSON: a constructor prototype', url: JSON_ROUTE, contentType: 'application/json', body: '{"constructor": {"prototype": {"admin": true}}}', status: 400, code: 'INVALID_JSON' },
  { name: 'JSON in UTF-16', url: JSON_ROUTE, contentType: 'application/json; charset=utf-16', body: Buffer.from('{"name": "Harbour"}', 'utf16le'), status: 400, code: 'INVALID_JSON' },
  { name: 'text/plain where an object is due', url: JSON_ROUTE, contentType: 'text/plain', body: 'Harbour View', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'a type no route takes', url: JSON_ROUTE, contentType: 'application/xml', body: '<property/>', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'multipart where JSON is due', url: JSON_ROUTE, contentType: MULTIPART, body: `${FILE_PART}x\r\n--${B}--\r\n`, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'multipart: a part without headers that ends early', url: IMPORTS, contentType: MULTIPART, body: `--${B}\r\n\r\nname,kind\n`, status: 400, code: 'INVALID_MULTIPART' },
  { name: 'multipart: a file part that ends early', url: IMPORTS, contentType: MULTIPART, body: `${FILE_PART}name,kind\nHarbour,residential\n`, status: 400, code: 'INVALID_MULTIPART' },
  { name: 'multipart: part headers that never end', url: IMPORTS, contentType: MULTIPART, body: `--${B}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"`, status: 400, code: 'INVALID_MULTIPART' },
  { name: 'multipart: only a preamble', url: IMPORTS, contentType: MULTIPART, body: 'no parts here', status: 400, code: 'INVALID_MULTIPART' },
  { name: 'multipart: no boundary', url: IMPORTS, contentType: 'multipart/form-data', body: `${FILE_PART}x\r\n--${B}--\r\n`, status: 400, code: 'INVALID_MULTIPART' },
  { name: 'multipart: a boundary longer than any parser takes', url: IMPORTS, contentType: `multipart/form-data; boundary=${'b'.repeat(300)}`, body: `--${'b'.repeat(300)}\r\n\r\nx`, status: 400, code: 'INVALID_MULTIPART' },
  { name: 'multipart: a prototype field name', url: IMPORTS, contentType: MULTIPART, body: `--${B}\r\nContent-Disposition: form-data; name="__proto__"; filename="a.csv"\r\n\r\nx\r\n--${B}--\r\n`, status: 400, code: 'INVALID_MULTIPART' },
  { name: 'multipart: no file part', url: IMPORTS, contentType: MULTIPART, body: `--${B}--\r\n`, status: 400, code: 'NO_FILE' },
  { name: 'multipart: JSON where the file is due', url: IMPORTS, contentType: 'application/json', body: '{"file": "x"}', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }
]

test('malformed bodies answer 4xx with a stable code, whatever their content type', async (t) => {
  const app = await build(t, { env: { EXPORT_RATE_LIMIT_MAX: '100' } })
  const owner = await signup(app, 'Malformed Bodies Agency')
  const files = await app.mongo.db!.collection('job_files.files').countDocuments({})

  for (const c of CASES) {
    const response = await owner.request({ method: 'POST', url: c.url, headers: { 'content-type': c.contentType }, payload: c.body })
    t.same([response.statusCode, response.json().code], [c.status, c.code], c.name, { body: response.json() })
  }
  t.equal((await app.pg.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n, 0, 'nothing was queued')
  t.equal(await app.mongo.db!.collection('job_files.files').countDocuments({}), files, 'nothing was kept')
})
