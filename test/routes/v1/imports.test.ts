// Bulk imports through the real worker: good rows in, bad rows reported with
// their reasons (the create route's validation), a second run adds nothing, and
// files the import cannot take (bad CSV, beyond the row, field and size bounds)
// answer 400 before anything is queued; the worker holds to the same bounds.
import { test } from 'tap'
import { once } from 'node:events'
import { ObjectId } from 'mongodb'
import { build } from '../../helper.ts'
import { signup, staff, type Caller } from '../../support/session.ts'
import { createProperty } from '../../support/portfolio.ts'
import { csvRows, waitForJob, type JobBody } from '../../support/jobs.ts'

function multipart (content: string, fileName = 'rows.csv') {
  const boundary = '----haven-test-boundary'
  const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n--${boundary}--\r\n`
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

async function postImport (caller: Caller, resource: string, content: string) {
  const { payload, headers } = multipart(content)
  return await caller.request({ method: 'POST', url: `/v1/imports?resource=${resource}`, payload, headers })
}

async function runImport (caller: Caller, resource: string, content: string): Promise<JobBody> {
  const response = await postImport(caller, resource, content)
  if (response.statusCode !== 202) throw new Error(`POST /v1/imports answered ${response.statusCode}: ${response.body}`)
  return await waitForJob(caller, response.json().id)
}

const PROPERTIES = [
  'name,kind,address.line1,address.city,address.postalCode,address.country,notes',
  'Harbour View,residential,1 Quay St,Bristol,BS1 4DJ,GB,sea side',
  'Mill House,commercial,2 Mill Lane,Leeds,LS1 1AA,GB,',
  ',residential,3 Nowhere,Leeds,LS1 1AB,GB,',
  'Bad Kind,castle,4 High St,York,YO1 7HH,GB,',
  'Bad Country,mixed,5 Low St,York,YO1 7HJ,United Kingdom,',
  '"Quoted, Name",mixed,"6 Comma, Road",York,YO1 7HK,GB,"line one',
  'line two"',
  'harbour view,residential,other street,Bristol,bs14dj,GB,the same property in another case'
].join('\n')

test('imports', async (t) => {
  const app = await build(t, { env: { HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200', EXPORT_BATCH_SIZE: '10', IMPORT_MAX_BYTES: '32768', IMPORT_MAX_ROWS: '100', EXPORT_RATE_LIMIT_MAX: '200' } })
  const owner = await signup(app, 'Import Agency')
  const other = await signup(app, 'Other Agency')

  await t.test('properties: good rows in, bad rows reported with their reasons', async (t) => {
    const job = await runImport(owner, 'properties', PROPERTIES)
    t.equal(job.status, 'succeeded', 'succeeded', { job })
    t.match(job.result, { rows: 7, created: 3, existing: 1, rejected: 3 })
    t.equal(job.total, 7)
    t.equal(job.percent, 100)
    const names = (await owner.get('/v1/properties?limit=100')).json().items.map((p: { name: string }) => p.name).sort()
    t.same(names, ['Harbour View', 'Mill House', 'Quoted, Name'])
    const quoted = (await owner.get('/v1/properties?limit=100')).json().items.find((p: { name: string }) => p.name === 'Quoted, Name')
    t.same(quoted.address, { line1: '6 Comma, Road', city: 'York', postalCode: 'YO1 7HK', country: 'GB' })
    t.equal(quoted.notes, 'line one\nline two', 'a quoted cell keeps its line break')

    const report = await owner.get(`/v1/jobs/${job.id}/download`)
    t.equal(report.statusCode, 200)
    t.equal(report.headers['content-type'], 'text/csv; charset=utf-8')
    const [header, ...rows] = csvRows(report.rawPayload)
    t.same(header, ['line', 'reasons', 'name', 'kind', 'address.line1', 'address.city', 'address.postalCode', 'address.country', 'notes'])
    t.same(rows.map((row) => row[0]), ['4', '5', '6'], 'the file\'s line numbers')
    t.match(rows[0]![1], /must have required property 'name'/)
    t.match(rows[1]![1], /kind must be equal to one of the allowed values/)
    t.match(rows[2]![1], /address.country must match pattern/)
    t.same(rows[1]!.slice(2), ['Bad Kind', 'castle', '4 High St', 'York', 'YO1 7HH', 'GB', ''], 'with the row as it was')
    t.equal((await other.get('/v1/properties')).json().items.length, 0, 'another agency sees none of them')
  })

  await t.test('the rejected-rows report neutralises cells a spreadsheet would run as a formula', async (t) => {
    const csv = [
      'name,kind,address.line1,address.city,address.postalCode,address.country,notes',
      '"=HYPERLINK(""https://evil.example"",""open"")",castle,+1 Road,-City,@PC,GB,"\tcmd"'
    ].join('\n')
    const job = await runImport(owner, 'properties', csv)
    t.match(job.result, { rows: 1, rejected: 1 })
    const [, row] = csvRows((await owner.get(`/v1/jobs/${job.id}/download`)).rawPayload)
    t.same(row!.slice(2), ['\'=HYPERLINK("https://evil.example","open")', 'castle', '\'+1 Road', '\'-City', '\'@PC', 'GB', '\'\tcmd'])
  })

  await t.test('the same file again creates nothing', async (t) => {
    const job = await runImport(owner, 'properties', PROPERTIES)
    t.match(job.result, { rows: 7, created: 0, existing: 4, rejected: 3 })
    t.equal((await owner.get('/v1/properties?limit=100')).json().items.length, 3)
  })

  await t.test('units: into the agency\'s current properties only, one per label', async (t) => {
    const mine = await createProperty(owner, 'Unit House')
    const theirs = await createProperty(other, 'Their House')
    const csv = [
      'propertyId,label,bedrooms,bathrooms,marketRent,status',
      `${mine.id},1A,2,1,95000,vacant`,
      `${mine.id},1B,1,1,80000,`,
      `${mine.id},1A,3,2,99000,vacant`,
      `${theirs.id},X1,1,1,50000,vacant`,
      `${mine.id},1C,two,1,80000,vacant`,
      `${mine.id},1D,1,1,-5,vacant`
    ].join('\n')
    const job = await runImport(owner, 'units', csv)
    t.match(job.result, { rows: 6, created: 2, existing: 1, rejected: 3 })
    const units = (await owner.get(`/v1/units?propertyId=${mine.id}`)).json().items
    t.same(units.map((u: { label: string, bedrooms: number, marketRent: number, status: string }) => [u.label, u.bedrooms, u.marketRent, u.status]), [['1A', 2, 95000, 'vacant'], ['1B', 1, 80000, 'vacant']],
      'typed like a create request; the first row of a label wins')
    const [, ...rows] = csvRows((await owner.get(`/v1/jobs/${job.id}/download`)).rawPayload)
    t.same(rows.map((row) => [row[0], row[1]]), [
      ['5', `no current property ${theirs.id} in this agency`],
      ['6', 'bedrooms must be integer'],
      ['7', 'marketRent must be >= 0']
    ])
    t.equal((await other.get(`/v1/units?propertyId=${theirs.id}`)).json().items.length, 0, 'nothing went into another agency\'s property')
    t.match((await runImport(owner, 'units', csv)).result, { created: 0, existing: 3, rejected: 3 }, 'a second run adds nothing')
  })

  await t.test('tenants: emails stored lowercase; the natural key matches them in any case', async (t) => {
    const first = await runImport(owner, 'tenants', 'firstName,lastName,email,phone\nAda,Okafor,Ada@Example.test,+447700900123\nBen,Ng,,\nCy,Bad,not-an-email,\n')
    t.match(first.result, { created: 2, rejected: 1 })
    t.equal(first.download === null, false, 'a report, since a row was rejected')
    const second = await runImport(owner, 'tenants', 'firstName,lastName,email,phone\nada,OKAFOR,ADA@example.test,+447700900123\nBen,Ng,,\n')
    t.match(second.result, { created: 0, existing: 2, rejected: 0 })
    t.equal(second.download, null, 'no rejected rows, no report')
    t.equal((await owner.get(`/v1/jobs/${second.id}/download`)).json().code, 'NO_FILE')
    const emails = (await owner.get('/v1/tenants?limit=100')).json().items.map((x: { email?: string }) => x.email ?? null).sort()
    t.same(emails, ['ada@example.test', null])
  })

  await t.test('within the bounds: as many rows as IMPORT_MAX_ROWS, spare empty cells, long cells', async (t) => {
    const job = await runImport(owner, 'tenants', `firstName,lastName,notes\n${'Cal,Bounds,,,,,,\n'.repeat(99)}Dee,Bounds,"${'n'.repeat(5_000)}"\n`)
    t.match(job.result, { rows: 100, created: 2, existing: 98, rejected: 0 }, '100 rows of 8 fields under a header of 3')
  })

  await t.test('the worker holds to the same bounds: a stored file beyond them fails its job', async (t) => {
    const upload = app.jobFiles.upload('wide.csv', 'text/csv', { agencyId: owner.agencyId, jobId: 'upload' })
    upload.end(`firstName,lastName\nAnn,Lee\n${','.repeat(100_000)}\n`)
    await once(upload, 'finish')
    const params = { resource: 'tenants', uploadId: upload.id.toHexString(), fileName: 'wide.csv', rows: 2 }
    const { job } = await app.jobStore.create(new ObjectId(owner.agencyId), new ObjectId(owner.userId), { type: 'import', task: 'run-import', params, maxAttempts: 1, priority: 0 })
    const done = await waitForJob(owner, job.id)
    t.match(done, { status: 'failed', error: { code: 'TOO_MANY_FIELDS' } })
  })

  await t.test('files it cannot take answer 400, 413 or 403 and queue nothing', async (t) => {
    const before = (await app.pg.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n
    const files = (await app.mongo.db!.collection('job_files.files').countDocuments({}))
    const cases: Array<[string, string, number, string]> = [
      ['properties', 'name,colour\nA,red\n', 400, 'UNKNOWN_COLUMN'],
      ['properties', '', 400, 'EMPTY_FILE'],
      ['properties', 'name,kind\n', 400, 'EMPTY_FILE'],
      ['tenants', 'firstName,lastName\n"unterminated,x\n', 400, 'INVALID_CSV'],
      ['tenants', `firstName,lastName\n${'Ann,Lee\n'.repeat(5_000)}`, 413, 'PAYLOAD_TOO_LARGE'],
      ['tenants', `firstName,lastName\n${'Ann,Lee\n'.repeat(101)}`, 400, 'TOO_MANY_ROWS'],
      ['tenants', `firstName,lastName\nAnn,Lee\nBo,Lee,,,,,,\n`, 400, 'TOO_MANY_FIELDS'],
      ['tenants', `firstName,lastName,email,phone,dateOfBirth,notes,a\nAnn,Lee\n`, 400, 'TOO_MANY_FIELDS'],
      ['tenants', `firstName,notes\nAnn,"${'x'.repeat(16_385)}"\n`, 400, 'ROW_TOO_LARGE'],
      ['ledgers', 'a\n1\n', 400, 'VALIDATION_ERROR']
    ]
    for (const [resource, content, status, code] of cases) {
      const response = await postImport(owner, resource, content)
      t.equal(response.statusCode, status, `${resource}: ${code}`)
      t.equal(response.json().code, code)
    }
    const wide = (await postImport(owner, 'tenants', 'firstName,lastName\nAnn,Lee\nBo,Lee,,,,,,\n')).json()
    t.equal(wide.message, 'Line 3 holds more than 7 fields (the header\'s 2 and 5 spare)', 'the line and the bound')
    const long = (await postImport(owner, 'tenants', `firstName,notes\nAnn,"${'x'.repeat(16_385)}"\n`)).json()
    t.equal(long.message, 'Line 2 holds more than 16384 characters')
    const json = await owner.post('/v1/imports?resource=tenants', { firstName: 'A' })
    t.equal(json.statusCode, 415, 'not multipart')
    const viewer = await staff(app, owner, 'viewer')
    t.equal((await postImport(viewer, 'tenants', 'firstName,lastName\nA,B\n')).statusCode, 403, 'imports need the manager role')
    t.equal((await app.pg.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n, before, 'no job was queued')
    t.equal(await app.mongo.db!.collection('job_files.files').countDocuments({}), files, 'no upload was kept')
  })
})
