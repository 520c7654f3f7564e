// Exports end to end, run by the real worker in this process: every resource in
// both formats is parsed back and compared, row by row, with what its list route
// returns for the same filters (a brute-force walk through every page).
import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build } from '../../helper.ts'
import { signup, staff, type Caller } from '../../support/session.ts'
import { createProperty, createTenant, createUnit, leasedUnit } from '../../support/portfolio.ts'
import { csvRows, exportJob, waitForJob, xlsxSheets, type JobBody } from '../../support/jobs.ts'
import { createTaskList } from '../../../jobs/index.ts'
import { taskHelpers } from '../../support/crash.ts'

type Item = Record<string, unknown>

const FORMULAS = ['=HYPERLINK("http://evil.example","x")', '+SUM(A1:A2)', '-2+3', '@cmd', '\tTab', '\rReturn']
const gbp = new Intl.NumberFormat('en', { style: 'currency', currency: 'GBP' })

async function listAll (caller: Caller, path: string): Promise<Item[]> {
  const items: Item[] = []
  let cursor: string | null = null
  do {
    const separator = path.includes('?') ? '&' : '?'
    const response = await caller.get(`${path}${separator}limit=100${cursor === null ? '' : `&cursor=${cursor}`}`)
    if (response.statusCode !== 200) throw new Error(`${path}: ${response.statusCode} ${response.body}`)
    const page = response.json() as { items: Item[], nextCursor: string | null }
    items.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null)
  return items
}

function valueAt (item: Item, column: string): unknown {
  if (column === 'allocations') return (item.allocations as Array<{ chargeId: string, amount: number }>).map((a) => `${a.chargeId}:${a.amount}`).join(';')
  const [head, tail] = column.split('.') as [string, string | undefined]
  const value = tail === undefined ? item[head] : (item[head] as Item | undefined)?.[tail]
  return Array.isArray(value) ? value.join(';') : value
}

/** What a cell of this column must hold, in the CSV (text) or the XLSX (typed) file. */
function expectedCell (item: Item, column: string, xlsx: boolean): unknown {
  if (column.endsWith('Formatted')) {
    const minor = valueAt(item, column.slice(0, -'Formatted'.length))
    return typeof minor === 'number' ? gbp.format(minor / 100) : (xlsx ? null : '')
  }
  const value = valueAt(item, column)
  if (value === undefined || value === null) return xlsx ? null : ''
  // XML reads a carriage return back as a line feed (XLSX is XML).
  if (typeof value === 'string') return (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replace(/\r/g, xlsx ? '\n' : '\r')
  return xlsx ? value : String(value)
}

async function download (caller: Caller, job: JobBody): Promise<Buffer> {
  const response = await caller.get(`/v1/jobs/${job.id}/download`)
  if (response.statusCode !== 200) throw new Error(`download: ${response.statusCode} ${response.body}`)
  return response.rawPayload
}

async function fileRows (caller: Caller, job: JobBody, format: 'csv' | 'xlsx'): Promise<{ header: string[], rows: unknown[][], sheets: number }> {
  const body = await download(caller, job)
  if (format === 'csv') {
    const [header, ...rows] = csvRows(body)
    return { header: header!, rows, sheets: 1 }
  }
  const sheets = await xlsxSheets(body)
  const header = sheets[0]!.rows[0] as string[]
  for (const sheet of sheets) if (JSON.stringify(sheet.rows[0]) !== JSON.stringify(header)) throw new Error(`sheet ${sheet.name} has another header`)
  return { header, rows: sheets.flatMap((sheet) => sheet.rows.slice(1)), sheets: sheets.length }
}

async function portfolio (owner: Caller, label: string) {
  const first = await leasedUnit(owner, `${label}-1`, { rent: 120_000, startDate: '2025-09-01', dueDay: 1 })
  const second = await leasedUnit(owner, `${label}-2`, { rent: 95_050, startDate: '2025-11-15', dueDay: 15 })
  for (const [i, name] of FORMULAS.entries()) await createProperty(owner, `${name} ${label} ${i}`)
  const property = await createProperty(owner, `Plain ${label}`)
  for (let i = 0; i < 9; i++) await createUnit(owner, property.id, `${label}-U${i}`)
  const tenant = await createTenant(owner, '=1+1')
  await owner.patch(`/v1/tenants/${tenant.id}`, { notes: '@SUM(1,2)', email: 'Mixed.Case@Example.test' })
  await owner.post('/v1/charges', { leaseId: first.lease.id, kind: 'fee', description: '-fee with a formula-like start', amount: 2_500, dueDate: '2025-10-05' })
  await owner.post('/v1/payments', { leaseId: first.lease.id, amount: 50_000, method: 'card', receivedAt: '2025-10-02T10:00:00Z' })
  await owner.post('/v1/payments', { leaseId: second.lease.id, amount: 95_050, method: 'bank_transfer', reference: '+ref', receivedAt: '2025-11-20T10:00:00Z' })
  await owner.post('/v1/maintenance-requests', { propertyId: first.property.id, title: 'Leak', description: '=danger', priority: 'urgent' })
  await owner.post('/v1/maintenance-requests', { propertyId: second.property.id, title: 'Door', description: 'stiff', priority: 'low', status: 'resolved' })
  return { first, second, property }
}

test('exports', async (t) => {
  const app = await build(t, {
    env: { HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200', EXPORT_BATCH_SIZE: '10', EXPORT_XLSX_SHEET_ROWS: '7', JOB_PROGRESS_INTERVAL_MS: '1', EXPORT_RATE_LIMIT_MAX: '500' }
  })
  const a = await signup(app, 'Agency A')
  const b = await signup(app, 'Agency B')
  await a.patch('/v1/agency', { currency: 'GBP' })
  await b.patch('/v1/agency', { currency: 'GBP' })
  const mine = await portfolio(a, 'A')
  await portfolio(b, 'B')
  // The rent job ran: wait for its charges to be listed.
  // Rent for the months since the leases began.
  await createTaskList(app)['generate-rent-charges']!({}, taskHelpers)
  const bIds = new Set([...await listAll(b, '/v1/properties'), ...await listAll(b, '/v1/charges'), ...await listAll(b, '/v1/tenants')].map((item) => item.id as string))

  const cases: Array<{ resource: string, list: string, filters?: Record<string, unknown> }> = [
    { resource: 'properties', list: '/v1/properties' },
    { resource: 'units', list: '/v1/units?sort=-marketRent', filters: { sort: '-marketRent' } },
    { resource: 'units', list: `/v1/units?propertyId=${mine.property.id}`, filters: { propertyId: mine.property.id } },
    { resource: 'tenants', list: '/v1/tenants?email=MIXED.case@example.test', filters: { email: 'MIXED.case@example.test' } },
    { resource: 'tenants', list: '/v1/tenants' },
    { resource: 'leases', list: '/v1/leases?status=active', filters: { status: 'active' } },
    { resource: 'charges', list: '/v1/charges' },
    { resource: 'charges', list: `/v1/charges?leaseId=${mine.first.lease.id}&status=open`, filters: { leaseId: mine.first.lease.id, status: 'open' } },
    { resource: 'payments', list: '/v1/payments' },
    { resource: 'maintenance-requests', list: '/v1/maintenance-requests?sort=priority', filters: { sort: 'priority' } }
  ]

  for (const format of ['csv', 'xlsx'] as const) {
    for (const { resource, list, filters } of cases) {
      await t.test(`${resource} ${JSON.stringify(filters ?? {})} as ${format}: the list route's rows, in its order`, async (t) => {
        const expected = await listAll(a, list)
        const queued = await exportJob(a, { resource, format, ...(filters === undefined ? {} : { filters }) })
        const job = await waitForJob(a, queued.id)
        t.equal(job.status, 'succeeded', 'succeeded', { job })
        const { header, rows, sheets } = await fileRows(a, job, format)
        t.equal(header[0], 'id')
        t.equal(rows.length, expected.length, 'one row per listed item')
        t.same(rows, expected.map((item) => header.map((column) => expectedCell(item, column, format === 'xlsx'))), 'every cell as the list route has it')
        t.equal(rows.filter((row) => bIds.has(String(row[0]))).length, 0, 'no row of agency B')
        t.equal(job.result?.rows, expected.length)
        t.equal(job.processed, expected.length)
        t.equal(job.percent, 100)
        if (format === 'xlsx') {
          t.equal(sheets, Math.max(1, Math.ceil(expected.length / 7)), 'a new sheet every 7 rows')
          t.equal(job.result?.sheets, sheets)
        }
      })
    }
  }

  await t.test('formula cells are neutralised, money has minor units and a formatted twin', async (t) => {
    const job = await waitForJob(a, (await exportJob(a, { resource: 'properties', format: 'csv', columns: ['name', 'kind'] })).id)
    const [header, ...rows] = csvRows(await download(a, job))
    t.same(header, ['name', 'kind'], 'only the chosen columns, in order')
    const names = rows.map((row) => row[0]!)
    for (const formula of FORMULAS) t.ok(names.includes(`'${formula} A ${FORMULAS.indexOf(formula)}`), `neutralised: ${JSON.stringify(formula)}`)
    t.notOk(names.some((name) => /^[=+\-@\t\r]/.test(name)), 'no cell starts a formula')

    const leases = await waitForJob(a, (await exportJob(a, { resource: 'leases', format: 'csv', columns: ['id', 'rent'] })).id)
    const [leaseHeader, ...leaseRows] = csvRows(await download(a, leases))
    t.same(leaseHeader, ['id', 'rent', 'rentFormatted'])
    const byId = new Map(leaseRows.map((row) => [row[0], row]))
    t.same(byId.get(mine.second.lease.id), [mine.second.lease.id, '95050', '£950.50'])
  })

  await t.test('a date range bounds the rows (and sorts by its field)', async (t) => {
    const all = await listAll(a, '/v1/payments?sort=receivedAt')
    const expected = all.filter((p) => String(p.receivedAt) >= '2025-11-01T00:00:00.000Z' && String(p.receivedAt) < '2025-12-01T00:00:00.000Z')
    t.ok(expected.length > 0 && expected.length < all.length, 'the range picks some payments')
    const job = await waitForJob(a, (await exportJob(a, { resource: 'payments', format: 'csv', filters: { dateRange: { field: 'receivedAt', from: '2025-11-01', to: '2025-12-01' } } })).id)
    t.equal(job.status, 'succeeded')
    const [, ...rows] = csvRows(await download(a, job))
    t.same(rows.map((row) => row[0]), expected.map((p) => p.id))
  })

  await t.test('the rent roll: one row per current unit with its lease, rent and balance', async (t) => {
    const units = await listAll(a, '/v1/units')
    const job = await waitForJob(a, (await exportJob(a, { resource: 'rent-roll', format: 'csv' })).id)
    t.equal(job.status, 'succeeded', 'succeeded', { job })
    const [header, ...rows] = csvRows(await download(a, job))
    const at = (row: string[], column: string) => row[header!.indexOf(column)]
    t.same(rows.map((row) => at(row, 'unitId')), units.map((u) => u.id), 'every current unit, by label')
    t.equal(rows.filter((row) => bIds.has(String(at(row, 'propertyId')))).length, 0, 'no unit of agency B')
    for (const { lease, unit } of [mine.first, mine.second]) {
      const row = rows.find((r) => at(r, 'unitId') === unit.id)!
      const balance = (await a.get(`/v1/leases/${lease.id}/balance`)).json()
      t.equal(at(row, 'leaseId'), lease.id)
      t.equal(at(row, 'tenants'), 'Ada Okafor')
      t.equal(Number(at(row, 'rent')), lease.rent)
      t.equal(Number(at(row, 'balance')), balance.outstanding, 'the balance route\'s outstanding')
      t.equal(Number(at(row, 'credit')), balance.credit)
      t.equal(at(row, 'balanceFormatted'), gbp.format(balance.outstanding / 100))
    }
    const vacant = rows.find((r) => at(r, 'unitLabel') === 'A-U0')!
    t.equal(at(vacant, 'leaseId'), '', 'a vacant unit has no lease')
  })

  await t.test('arrears: one row per owing lease with the balance route\'s aging', async (t) => {
    const job = await waitForJob(a, (await exportJob(a, { resource: 'arrears', format: 'xlsx' })).id)
    t.equal(job.status, 'succeeded', 'succeeded', { job })
    const { header, rows } = await fileRows(a, job, 'xlsx')
    const at = (row: unknown[], column: string) => row[header.indexOf(column)]
    for (const { lease } of [mine.first, mine.second]) {
      const balance = (await a.get(`/v1/leases/${lease.id}/balance`)).json()
      const row = rows.find((r) => at(r, 'leaseId') === lease.id)
      if (balance.outstanding === 0) {
        t.notOk(row, 'a lease owing nothing is not listed')
        continue
      }
      t.ok(row, 'an owing lease is listed')
      t.same([at(row!, 'outstanding'), at(row!, 'aging0to30'), at(row!, 'aging31to60'), at(row!, 'aging61to90'), at(row!, 'aging90plus')],
        [balance.outstanding, balance.aging['0-30'], balance.aging['31-60'], balance.aging['61-90'], balance.aging['90+']])
    }
    t.equal(rows.filter((row) => bIds.has(String(at(row, 'propertyId')))).length, 0)
  })

  await t.test('bad requests answer 400 before anything is queued', async (t) => {
    const before = await app.pg.query('SELECT count(*)::int AS n FROM jobs')
    const bad = [
      [{ resource: 'charges', format: 'csv', filters: { nope: 1 } }, 'VALIDATION_ERROR'],
      [{ resource: 'charges', format: 'csv', filters: { status: 'lost' } }, 'VALIDATION_ERROR'],
      [{ resource: 'charges', format: 'pdf' }, 'VALIDATION_ERROR'],
      [{ resource: 'ledgers', format: 'csv' }, 'VALIDATION_ERROR'],
      [{ resource: 'units', format: 'csv', filters: { status: 'vacant', sort: 'createdAt', dateRange: { field: 'updatedAt', from: '2025-01-01' } } }, 'UNSUPPORTED_QUERY'],
      [{ resource: 'payments', format: 'csv', filters: { dateRange: { field: 'receivedAt', from: '2025-02-01', to: '2025-01-01' } } }, 'VALIDATION_ERROR'],
      [{ resource: 'payments', format: 'csv', columns: ['id', 'secret'] }, 'UNKNOWN_COLUMN'],
      [{ resource: 'leases', format: 'csv', filters: { tenantId: 'not-an-id' } }, 'VALIDATION_ERROR']
    ] as const
    for (const [body, code] of bad) {
      const response = await a.post('/v1/exports', body)
      t.equal(response.statusCode, 400, JSON.stringify(body))
      t.equal(response.json().code, code)
    }
    const detail = (await a.post('/v1/exports', { resource: 'charges', format: 'csv', filters: { nope: 1 } })).json()
    t.match(detail.details, [{ path: '/body/filters', message: "unknown field 'nope'" }])
    const after = await app.pg.query('SELECT count(*)::int AS n FROM jobs')
    t.equal(after.rows[0].n, before.rows[0].n, 'no job was created')
  })

  await t.test('status: ETag and 304, download headers, signed links, another agency sees nothing', async (t) => {
    const job = await waitForJob(a, (await exportJob(a, { resource: 'tenants', format: 'csv' })).id)
    const first = await a.get(`/v1/jobs/${job.id}`)
    t.equal(first.headers['retry-after'], undefined, 'no Retry-After once finished')
    const again = await a.get(`/v1/jobs/${job.id}`, { 'if-none-match': String(first.headers.etag) })
    t.equal(again.statusCode, 304, 'an unchanged job answers 304')

    const file = await a.get(`/v1/jobs/${job.id}/download`)
    t.equal(file.headers['content-type'], 'text/csv; charset=utf-8')
    t.match(file.headers['content-disposition'], /^attachment; filename="tenants-\d{8}-\d{6}\.csv"$/)
    t.equal(Number(file.headers['content-length']), file.rawPayload.length)
    t.equal(job.download?.size, file.rawPayload.length)

    const signed = await app.inject({ method: 'GET', url: job.download!.url })
    t.equal(signed.statusCode, 200, 'the signed link needs no token')
    t.same(signed.rawPayload, file.rawPayload)
    const tampered = job.download!.url.slice(0, -3) + (job.download!.url.endsWith('AAA') ? 'BBB' : 'AAA')
    t.equal((await app.inject({ method: 'GET', url: tampered })).json().code, 'LINK_INVALID')
    const token = job.download!.url.split('/').at(-1)!
    t.throws(() => app.jobFiles.verifyLink(token, new Date(Date.parse(job.download!.expiresAt) + 1)), { code: 'LINK_EXPIRED' })

    for (const path of [`/v1/jobs/${job.id}`, `/v1/jobs/${job.id}/download`, `/v1/jobs/${job.id}/events`]) {
      const response = await b.get(path)
      t.equal(response.statusCode, 404, `agency B: ${path}`)
    }
    t.equal((await b.post(`/v1/jobs/${job.id}/cancellation`)).statusCode, 404)
    t.notOk((await b.get('/v1/jobs')).json().items.some((item: { id: string }) => item.id === job.id), 'not in B\'s history')
    t.equal((await a.post(`/v1/jobs/${job.id}/cancellation`)).json().code, 'JOB_FINISHED', 'a finished job cannot be cancelled')
  })

  await t.test('history: keyset pages, filters; a user sees their own jobs, an admin everyone\'s', async (t) => {
    const viewer = await staff(app, a, 'viewer')
    const admin = await staff(app, a, 'admin')
    const own = await waitForJob(viewer, (await exportJob(viewer, { resource: 'units', format: 'csv' })).id)
    const ownList = await listAll(viewer, '/v1/jobs')
    t.same(ownList.map((job) => job.id), [own.id], 'a viewer lists their own jobs only')
    const everyone = await listAll(admin, '/v1/jobs')
    t.ok(everyone.length > 20 && everyone.some((job) => job.id === own.id), 'an admin lists the agency\'s')
    t.same(everyone.map((job) => job.id), [...everyone.map((job) => job.id)].sort().reverse(), 'newest first')
    const paged: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: Array<{ id: string }>, nextCursor: string | null } = (await admin.get(`/v1/jobs?limit=7${cursor === null ? '' : `&cursor=${cursor}`}`)).json()
      paged.push(...page.items.map((job) => job.id))
      cursor = page.nextCursor
    } while (cursor !== null)
    t.same(paged, everyone.map((job) => job.id), 'pages walk the same history')
    const succeeded = await listAll(admin, '/v1/jobs?type=export&status=succeeded')
    t.ok(succeeded.length > 0 && succeeded.every((job) => job.status === 'succeeded' && job.type === 'export'))
    const others = (await viewer.get(`/v1/jobs/${everyone.find((job) => job.id !== own.id)!.id}`))
    t.equal(others.statusCode, 404, 'a viewer cannot read another user\'s job')
    t.equal((await admin.get(`/v1/jobs/${own.id}`)).statusCode, 200, 'an admin can')
    t.equal((await a.get('/v1/jobs?cursor=bogus')).json().code, 'INVALID_CURSOR')
  })

  await t.test('notifications: a finished export tells its user; mark one and all read', async (t) => {
    const unread = (await a.get('/v1/notifications')).json()
    t.ok(unread.items.length > 0)
    t.ok(unread.items.every((n: { event: string, readAt: unknown }) => n.event === 'job.succeeded' && n.readAt === null))
    t.match(unread.items[0].title, /^Your export of .+ \((CSV|XLSX)\) is ready$/)
    const one = await a.post(`/v1/notifications/${unread.items[0].id}/read`)
    t.equal(one.statusCode, 200)
    t.type(one.json().readAt, 'string')
    t.equal((await b.post(`/v1/notifications/${unread.items[1].id}/read`)).statusCode, 404, 'another agency\'s notification is not found')
    const left = (await app.pg.query('SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL', [a.userId])).rows[0].n as number
    t.ok(left > 0)
    const all = (await a.post('/v1/notifications/read')).json()
    t.equal(all.marked, left, 'every unread one, once')
    t.same((await a.get('/v1/notifications')).json().items, [], 'nothing unread')
    t.same((await b.get('/v1/notifications?unread=false')).json().items.filter((n: { jobId: string }) => unread.items.some((u: { jobId: string }) => u.jobId === n.jobId)), [])
  })

  await t.test('retention: the cleanup deletes expired files and marks their jobs expired', async (t) => {
    const job = await waitForJob(a, (await exportJob(a, { resource: 'payments', format: 'xlsx' })).id)
    const fileId = (await app.pg.query('SELECT file_id FROM jobs WHERE id = $1', [job.id])).rows[0].file_id as string
    t.ok(job.expiresAt !== null && Date.parse(String(job.expiresAt)) - Date.now() > 6.9 * 24 * 3600_000, 'kept seven days')
    await app.pg.query("UPDATE jobs SET expires_at = now() - interval '1 minute' WHERE id = $1", [job.id])
    await createTaskList(app)['expire-job-files']!({}, taskHelpers)
    const expired = (await a.get(`/v1/jobs/${job.id}`)).json()
    t.equal(expired.status, 'expired')
    t.equal(expired.download, null)
    t.equal((await a.get(`/v1/jobs/${job.id}/download`)).json().code, 'FILE_EXPIRED')
    t.equal(await app.mongo.db!.collection('job_files.files').countDocuments({ _id: new ObjectId(fileId) }), 0, 'the file is gone')
    t.equal(await app.mongo.db!.collection('job_files.chunks').countDocuments({ files_id: new ObjectId(fileId) }), 0, 'and its chunks')
  })
})
