// npm run bench:users: the users workload (bench/users/workload.ts) driven open-loop by vegeta.
// Without --cluster it brings up the bench stack and the dataset of the scale, starts one API
// process and one worker process as `npm start` runs them, and drives the API; with --cluster
// it drives the load balancer of a running `npm run cluster` instead. Then, in order: sign-in,
// a steady load of --users for --duration, and on request the capacity search and the 5× spike.
// Reports go to bench/results/users-latest.{json,md} and a dated folder. Ctrl-C stops it all.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { MongoClient } from 'mongodb'
import { migrate, migrationPool } from '../../migrations/index.ts'
import { datasetDatabase } from '../../scripts/seed.ts'
import { ensureDataset } from '../../scripts/seed/dataset.ts'
import { isScale, scalePlan, type ScaleName } from '../../scripts/seed/plan.ts'
import { benchStackUp } from '../../scripts/seed/stack.ts'
import { readClusterState } from '../../scripts/cluster/state.ts'
import { ensureVegeta } from '../../scripts/vegeta.ts'
import { withDatabase } from '../../test/support/databases.ts'
import { gitCommit, mongoServer } from '../report/facts.ts'
import { describeMachine } from '../report/write.ts'
import { startHavenRole, type Runtime } from '../servers/haven.ts'
import { killAll, type ServerProcess } from '../servers/process.ts'
import { stopAttacks } from './attack.ts'
import { watchMemory, type MemoryFigures, type WatchedProcess } from './memory.ts'
import { capacitySearch, signIn, spike, steady, type Session } from './phases.ts'
import { ensureAccounts, type loadAccounts } from './population.ts'
import { writeUsersReport, type UsersReport } from './report.ts'
import { detectExports } from './exports.ts'
import { datasetPeriod, THINK_TIME_S, VirtualUser, type Account, type Target, type WorkloadOptions } from './workload.ts'

const log = (message: string) => process.stderr.write(`bench:users: ${message}\n`)

export const USAGE = `usage: npm run bench:users -- [--scale XS|S|M|L] [--users N] [--duration S] [--capacity] [--capacity-from N] [--capacity-to N]
                           [--capacity-step S] [--spike] [--spike-duration S] [--memory-before] [--no-scans] [--cluster] [--seed N] [--database NAME] [--out DIR]
--no-scans: leave out the list pages the local server can only answer by scanning a collection (†)`

function integer (name: string, value: string | undefined, fallback: number, max = 100_000): number {
  if (value === undefined) return fallback
  const number = Number(value)
  if (!Number.isInteger(number) || number < 1 || number > max) throw new Error(`--${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}\n${USAGE}`)
  return number
}

export function parseUsersOptions (argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string', default: 'S' },
      users: { type: 'string' },
      duration: { type: 'string' },
      capacity: { type: 'boolean', default: false },
      'capacity-from': { type: 'string' },
      'capacity-to': { type: 'string' },
      'capacity-step': { type: 'string' },
      spike: { type: 'boolean', default: false },
      'spike-duration': { type: 'string' },
      'memory-before': { type: 'boolean', default: false },
      'no-scans': { type: 'boolean', default: false },
      cluster: { type: 'boolean', default: false },
      seed: { type: 'string' },
      database: { type: 'string' },
      out: { type: 'string' }
    }
  })
  if (!isScale(values.scale)) throw new Error(`--scale must be XS, S, M or L\n${USAGE}`)
  if (values.cluster && values['memory-before']) throw new Error(`--memory-before starts its own servers; it cannot run with --cluster\n${USAGE}`)
  return {
    scale: values.scale as ScaleName,
    users: integer('users', values.users, 500),
    // Bounded: a run never goes on for hours by accident (the uptime run has its own command).
    durationS: integer('duration', values.duration, 60, 3_600),
    capacity: values.capacity ? { from: integer('capacity-from', values['capacity-from'], 100), to: integer('capacity-to', values['capacity-to'], 3_200), stepS: integer('capacity-step', values['capacity-step'], 30, 600) } : undefined,
    spike: values.spike ? { durationS: integer('spike-duration', values['spike-duration'], 60, 600) } : undefined,
    memoryBefore: values['memory-before'],
    scans: !values['no-scans'],
    cluster: values.cluster,
    seed: integer('seed', values.seed, 1, 2 ** 31 - 1),
    /** the dataset's database; default bench_<scale>_<seed> */
    database: values.database,
    outDir: path.resolve(values.out ?? path.join(import.meta.dirname, '..', 'results'))
  }
}

export type UsersOptions = ReturnType<typeof parseUsersOptions>

/** A client of its own agency (signed up once per dataset) that ignores every limit. */
async function greedyClient (baseUrl: string, password: string): Promise<() => Target> {
  const email = 'greedy-client@bench.haven.example'
  const call = (route: string, body: unknown) => fetch(`${baseUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) })
  let response = await call('/v1/auth/signup', { agencyName: 'Greedy Scripts Ltd', name: 'A script', email, password })
  if (response.status === 409) response = await call('/v1/auth/login', { email, password })
  if (!response.ok) throw new Error(`the greedy client could not sign in: ${response.status} ${await response.text()}`)
  const { accessToken } = await response.json() as { accessToken: string }
  // Its agency is new, so the dataset's month is outside its data range (400 PERIOD_OUT_OF_RANGE);
  // the current month is always allowed.
  const current = new Date().toISOString().slice(0, 7)
  return () => ({ method: 'GET', url: `${baseUrl}/v1/dashboard?period=${current}`, header: { authorization: [`Bearer ${accessToken}`] } })
}

const IDLE_S = 5
// The greedy client's requests per second: far above any per-user limit (RATE_LIMIT_MAX per minute).
const GREEDY_RATE = 100

async function idleMemory (processes: WatchedProcess[]): Promise<MemoryFigures[]> {
  const watch = watchMemory(processes)
  await sleep(IDLE_S * 1000)
  return await watch.stop()
}

interface Deployment {
  baseUrl: string
  mongoUrl: string
  processes: WatchedProcess[]
  target: string
  stop: () => Promise<void>
}

/** One API process and one worker, as deployed (or with Node's defaults, for the before figures). */
async function startDeployment (mongoUrl: string, urls: Awaited<ReturnType<typeof benchStackUp>>, runtime: Runtime, probeDir: string): Promise<Deployment> {
  const target = { urls, mongoUrl, redisKeyPrefix: process.env.REDIS_KEY_PREFIX ?? `users:${new URL(mongoUrl).pathname.slice(1)}:` }
  const jwtSecret = randomBytes(32).toString('base64url')
  const servers: ServerProcess[] = []
  const processes: WatchedProcess[] = []
  for (const role of ['api', 'worker'] as const) {
    const probeFile = path.join(probeDir, `${runtime}-${role}.json`)
    const server = await startHavenRole({ role, name: `haven ${role} (${runtime})`, target, jwtSecret, runtime, probeFile })
    servers.push(server)
    processes.push({ name: `${role}${runtime === 'node-defaults' ? ' (before)' : ''}`, pid: server.pid, probeFile })
  }
  return {
    baseUrl: servers[0]!.baseUrl,
    mongoUrl,
    processes,
    target: 'one API process + one worker',
    stop: async () => { for (const server of servers) await server.stop() }
  }
}

async function main (): Promise<void> {
  const options = parseUsersOptions(process.argv.slice(2))
  const vegeta = await ensureVegeta()
  const plan = scalePlan(options.scale, options.seed)
  const probeDir = await mkdtemp(path.join(os.tmpdir(), 'haven-users-'))
  let deployment: Deployment | undefined
  let urls: Awaited<ReturnType<typeof benchStackUp>> | undefined
  let mongoUrl: string
  if (options.cluster) {
    const state = await readClusterState()
    mongoUrl = state.mongoUrl
    deployment = {
      baseUrl: state.balancerUrl,
      mongoUrl,
      processes: state.processes.map((p) => ({ name: p.name, pid: p.pid, probeFile: p.probeFile })),
      target: `HAProxy in front of ${state.processes.filter((p) => p.role === 'api').length} API processes (${state.processes.filter((p) => p.role === 'worker').length} workers)`,
      stop: async () => undefined
    }
  } else {
    urls = await benchStackUp(options.scale)
    mongoUrl = withDatabase(urls.MONGODB_URL, options.database ?? datasetDatabase(options.scale, options.seed))
  }
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 })
  const started = Date.now()
  try {
    const db = client.db()
    if (urls !== undefined) {
      const pool = migrationPool(urls.DATABASE_URL)
      try {
        const { reused } = await ensureDataset(db, pool, plan)
        log(`${reused ? 'reusing' : 'seeded'} scale ${options.scale} in ${mongoUrl}`)
        await migrate(db, pool)
      } finally {
        await pool.end()
      }
    }
    const period = datasetPeriod(plan.anchor)
    const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
    const maxUsers = Math.max(options.users * (options.spike === undefined ? 1 : 5), options.capacity?.to ?? 0)
    // Through whichever server comes first (the cluster's balancer, or this run's first deployment).
    let accounts: Awaited<ReturnType<typeof loadAccounts>> | undefined
    const cast = async (baseUrl: string) => (accounts ??= await ensureAccounts(db, baseUrl, plan.password, maxUsers, log))
    const newUsers = (cast: Account[]) => Array.from({ length: maxUsers }, (_, i) => new VirtualUser(i, cast[i % cast.length]!))

    let memoryBefore: UsersReport['memoryBefore']
    if (options.memoryBefore) {
      const before = await startDeployment(mongoUrl, urls!, 'node-defaults', probeDir)
      try {
        const workload: WorkloadOptions = { baseUrl: before.baseUrl, password: plan.password, period, exports: await detectExports(before.baseUrl), runId: `${runId}b`, scans: options.scans }
        const session: Session = { vegeta, workload, users: newUsers(await cast(before.baseUrl)), processes: before.processes, log }
        const idle = await idleMemory(before.processes)
        memoryBefore = { idle, phase: await steady(session, 'before: steady', options.users, options.durationS) }
      } finally {
        await before.stop()
      }
    }

    deployment ??= await startDeployment(mongoUrl, urls!, 'deployed', probeDir)
    try {
      const exports = await detectExports(deployment.baseUrl)
      log(`exports ${exports === undefined ? 'off: the server has no POST /v1/exports and GET /v1/jobs/:id' : `on (${exports.resource})`}`)
      const workload: WorkloadOptions = { baseUrl: deployment.baseUrl, password: plan.password, period, exports, runId, scans: options.scans }
      const session: Session = { vegeta, workload, users: newUsers(await cast(deployment.baseUrl)), processes: deployment.processes, log }
      const idle = await idleMemory(deployment.processes)
      const signedIn = await signIn(session, options.users)
      const phases = [await steady(session, 'steady', options.users, options.durationS)]
      const capacity = options.capacity === undefined ? undefined : await capacitySearch(session, options.capacity.from, options.capacity.to, options.capacity.stepS)
      const spiked = options.spike === undefined
        ? undefined
        : await spike(session, await greedyClient(deployment.baseUrl, plan.password), options.users, 5, options.spike.durationS, GREEDY_RATE)

      const report: UsersReport = {
        createdAt: new Date().toISOString(),
        commit: gitCommit(),
        node: process.version,
        mongodb: await mongoServer(db),
        scale: options.scale,
        machine: describeMachine(),
        target: deployment.target,
        thinkTimeS: THINK_TIME_S,
        exports: exports?.resource ?? null,
        scans: options.scans,
        accounts: (await cast(deployment.baseUrl)).length,
        login: signedIn.byType(),
        idleMemory: idle,
        phases,
        ...(memoryBefore === undefined ? {} : { memoryBefore }),
        ...(capacity === undefined ? {} : { capacity }),
        ...(spiked === undefined ? {} : { spike: spiked })
      }
      const written = await writeUsersReport(report, options.outDir)
      log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${written.json}, ${written.markdown}`)
    } finally {
      await deployment.stop()
    }
  } finally {
    killAll()
    await client.close()
    await rm(probeDir, { recursive: true, force: true })
  }
}

let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) {
      killAll()
      process.exit(130)
    }
    interrupted = true
    log(`${signal}: stopping the load (again to kill everything at once)`)
    stopAttacks()
  })
}
process.on('exit', killAll)

if (import.meta.main) {
  main().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`bench:users: ${(err as Error).message}\n`)
    process.exit(1)
  })
}
