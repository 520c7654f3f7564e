// The users workload: its model (the loop, the export steps switching on, how answers are
// matched to their users and requests), its figures, and a smoke run of npm run bench:users
// end to end (vegeta built when missing, Haven started as deployed, a report written) on this
// file's own databases. It asserts what was sent and answered, never a speed.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { testContext } from '../helper.ts'
import { detectExports } from '../../bench/users/exports.ts'
import type { UsersReport } from '../../bench/users/report.ts'
import { verdict, type TypeFigures } from '../../bench/users/stats.ts'
import { classify, EXPORT_EVERY, userOf, VirtualUser, type RequestType, type WorkloadOptions } from '../../bench/users/workload.ts'

const root = path.resolve(import.meta.dirname, '..', '..')
const account = { email: 'a@b.example', agencyId: 'a'.repeat(24), leaseIds: ['b'.repeat(24)] }
const options = (exports: WorkloadOptions['exports']): WorkloadOptions => ({ baseUrl: 'http://127.0.0.1:1', password: 'p', period: '2025-12', exports, runId: 'r' })

test('a VU loops through the documented mix; the export steps join every 5th loop once exports exist', async (t) => {
  const without = new VirtualUser(0, account)
  const loop = Array.from({ length: 9 }, () => without.next(options(undefined)).type)
  t.same(loop, ['dashboard', 'properties-page-1', 'properties-page-2', 'leases-list', 'lease-get', 'lease-balance', 'dashboard', 'payment', 'dashboard'])

  const withExports = new VirtualUser(0, account)
  const sent: RequestType[] = []
  for (let i = 0; i < 9 * (EXPORT_EVERY - 1); i++) sent.push(withExports.next(options({ resource: 'leases' })).type)
  const exportLoop = Array.from({ length: 12 }, () => withExports.next(options({ resource: 'leases' })))
  t.notOk(sent.includes('export-start'), 'no export in the first loops')
  t.same(exportLoop.slice(9).map((step) => step.type), ['export-start', 'dashboard', 'dashboard'], 'a poll without its job yet is a dashboard read')
  t.same(JSON.parse(Buffer.from(exportLoop[9]!.target.body!, 'base64').toString()), { resource: 'leases', format: 'csv' })

  withExports.learn('export-start', 202, {}, '/v1/jobs/42')
  for (let i = 0; i < 9 * (EXPORT_EVERY - 1); i++) withExports.next(options({ resource: 'leases' }))
  const polls = Array.from({ length: 12 }, () => withExports.next(options({ resource: 'leases' }))).slice(10)
  t.same(polls.map((step) => [step.type, step.target.url]), [['job-status', 'http://127.0.0.1:1/v1/jobs/42'], ['job-status', 'http://127.0.0.1:1/v1/jobs/42']], 'then polls its Location')
})

test('VUs export on loops of their own, not all at once', async (t) => {
  const exportLoops = (id: number) => {
    const vu = new VirtualUser(id, account)
    const loops: number[] = []
    for (let loop = 0, sent = 0; sent < 9 * 5 + 3 * 2; sent++) {
      const { type } = vu.next(options({ resource: 'leases' }))
      if (type === 'export-start') loops.push(loop)
      if ((vu as unknown as { step: number }).step === 0) loop++
    }
    return loops
  }
  t.same(exportLoops(0), [4], 'VU 0 in its 5th loop')
  t.same(exportLoops(1), [3], 'VU 1 in its 4th')
})

test('--no-scans: the loop leaves out the † list pages', async (t) => {
  const vu = new VirtualUser(0, account)
  const loop = Array.from({ length: 6 }, () => vu.next({ ...options(undefined), scans: false }).type)
  t.same(loop, ['dashboard', 'lease-get', 'lease-balance', 'dashboard', 'payment', 'dashboard'])
})

test('answers find their request type and their VU', async (t) => {
  const vu = new VirtualUser(7, account)
  for (let i = 0; i < 9; i++) {
    const { type, target } = vu.next(options(undefined))
    const expected = type === 'properties-page-2' ? 'properties-page-1' : type // no cursor learnt: the first page again
    t.equal(classify(target.method, target.url), expected, `${type} is recognised`)
    t.equal(userOf({ 'X-Request-Id': target.header['x-request-id']! }), 7, `${type} names its VU`)
  }
  vu.learn('properties-page-1', 200, { nextCursor: 'abc' }, undefined)
  const page2 = Array.from({ length: 9 }, () => vu.next(options(undefined))).find((s) => s.type === 'properties-page-2')!
  t.equal(classify(page2.target.method, page2.target.url), 'properties-page-2', 'a page with a cursor is the second page')
  t.equal(classify('POST', 'http://h/v1/auth/login'), 'login')
  t.equal(classify('GET', 'http://h/v1/nothing'), undefined)
})

test('shed and limited requests are errors unless planned; the bounds skip the † types', async (t) => {
  const figures = (p99: number, extra: Partial<TypeFigures> = {}): TypeFigures => ({ sent: 10, ok: 10, shed: 0, limited: 0, errors: 0, p50: 1, p90: 1, p99, max: p99, statusCounts: {}, errorSamples: [], ...extra })
  t.ok(verdict({ dashboard: figures(200), 'properties-page-1': figures(900), payment: figures(400) }, false).withinBounds, 'a slow † list does not count')
  t.notOk(verdict({ dashboard: figures(300) }, false).withinBounds, 'a read over 250 ms does')
  t.notOk(verdict({ dashboard: figures(10, { shed: 1 }) }, false).withinBounds, 'a shed request is an error in a steady run')
  t.ok(verdict({ dashboard: figures(10, { shed: 1, limited: 2 }) }, true).withinBounds, 'and planned in a spike')
  t.notOk(verdict({ dashboard: figures(10, { errors: 1 }) }, true).withinBounds, 'a failure never is')
})

test('the export steps switch on when the OpenAPI document has both routes', async (t) => {
  let paths: Record<string, unknown> = {}
  const server = http.createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ paths })) })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  t.equal(await detectExports(url), undefined, 'off without them')
  paths = { '/v1/exports': { post: { requestBody: { content: { 'application/json': { schema: { properties: { resource: { enum: ['payments', 'leases'] } } } } } } } } }
  t.equal(await detectExports(url), undefined, 'off with only one')
  paths['/v1/jobs/{id}'] = { get: {} }
  t.same(await detectExports(url), { resource: 'leases' }, 'on with both, leases when offered')
  paths = { '/v1/exports/': paths['/v1/exports'], '/v1/jobs/{id}': { get: {} } }
  t.same(await detectExports(url), { resource: 'leases' }, 'also as Fastify documents a route declared as / under its prefix')
})

test('npm run bench:users end to end: vegeta, Haven as deployed, a report', async (t) => {
  const context = await testContext(t)
  const out = await mkdtemp(path.join(os.tmpdir(), 'haven-users-'))
  t.teardown(() => rm(out, { recursive: true, force: true }))
  const database = new URL(context.env.MONGODB_URL!).pathname.slice(1)
  const child = spawn(process.execPath, [path.join(root, 'bench', 'users', 'run.ts'), '--scale', 'XS', '--users', '10', '--duration', '3', '--database', database, '--out', out], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URL: context.env.MONGODB_URL, DATABASE_URL: context.env.DATABASE_URL, REDIS_URL: context.env.REDIS_URL, REDIS_KEY_PREFIX: context.env.REDIS_KEY_PREFIX },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  // Seeding, two servers starting and the run take a minute on a quiet machine: well below
  // tap's limit for the file, and several times that on a busy one.
  const killer = setTimeout(() => child.kill('SIGINT'), 240_000)
  const [code] = await once(child, 'exit') as [number | null]
  clearTimeout(killer)
  t.equal(code, 0, 'exits 0', { output })
  if (code !== 0) return
  const report = JSON.parse(await readFile(path.join(out, 'users-latest.json'), 'utf8')) as UsersReport
  t.equal(report.exports, 'leases', 'the export steps are on: Haven documents both routes')
  const steady = report.phases[0]!
  const figures = Object.values(steady.byType)
  t.equal(steady.users, 10)
  t.ok(figures.reduce((sum, f) => sum + f.sent, 0) >= 5, 'requests were sent on schedule (10 users ÷ 5 s for 3 s)')
  // Haven runs as deployed, load shedding on: on a machine without CPU to spare it may shed a
  // request (503 with Retry-After, as designed). None may fail or be rate-limited.
  t.equal(figures.reduce((sum, f) => sum + f.errors + f.limited, 0), 0, 'every one answered, none failed or limited')
  t.ok(figures.reduce((sum, f) => sum + f.ok, 0) > 0, 'requests were served')
  t.equal(report.login.login?.ok, 10, 'each VU signed in once')
  t.ok(steady.memory.every((p) => p.alive && p.rssPeakMB > 0 && p.heapUsedPeakMB !== null), 'each process\'s memory was sampled')
  // Which request types a 3-second run reaches depends on how many requests it sent: each one sent has its row.
  const markdown = await readFile(path.join(out, 'users-latest.md'), 'utf8')
  t.match(markdown, /\| request \| kind \| sent \| ok \|/, 'users-latest.md has the table')
  for (const [type, { sent }] of Object.entries(steady.byType)) if (sent > 0) t.match(markdown, new RegExp(`\\| ${type}( †)? \\| (read|write) \\| ${sent} \\|`), `users-latest.md has the row of ${type}`)
})
