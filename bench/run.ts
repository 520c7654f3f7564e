// npm run bench: seeds or reuses the dataset of the chosen scale in the bench stack, then for
// each configuration starts the server under test as a separate process, warms it up, drives
// it with autocannon on 127.0.0.1, samples its CPU and memory, and stops it. Ceilings
// (baseline) first, then Haven optimised, then Haven unoptimised (HAVEN_UNOPTIMISED=true, with
// only the _id indexes: the secondary ones are dropped for it and recreated afterwards).
// Reports go to bench/results (see report/write.ts). Ctrl-C stops everything it started.
// MONGODB_URL, DATABASE_URL and REDIS_URL (and REDIS_KEY_PREFIX) in the environment replace the
// bench stack's servers, as for npm run seed.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { MongoClient, type Db } from 'mongodb'
import type pg from 'pg'
import { migrate, migrationPool } from '../migrations/index.ts'
import { datasetDatabase } from '../scripts/seed.ts'
import { ensureDataset } from '../scripts/seed/dataset.ts'
import { scalePlan, type SeedPlan } from '../scripts/seed/plan.ts'
import { benchStackUp } from '../scripts/seed/stack.ts'
import { mongo as mongoService } from '../scripts/stack/mongo.ts'
import { stackLayout } from '../scripts/stack/profile.ts'
import { runningPid } from '../scripts/stack/process.ts'
import type { StackUrls } from '../scripts/stack/service.ts'
import { withDatabase } from '../test/support/databases.ts'
import { measure, stopLoad, type LoadSettings } from './load.ts'
import { parseOptions, type BenchOptions } from './options.ts'
import { expectedRuns, reportProblems } from './report/check.ts'
import type { BenchReport, BenchRun } from './report/contract.ts'
import { gitCommit, mongoServer } from './report/facts.ts'
import { describeMachine, writeReport } from './report/write.ts'
import type { Scenario, Target, WorkerHandle } from './scenarios/types.ts'
import { targetFor } from './target.ts'
import { startCeiling, startHaven, type HavenConfig } from './servers/haven.ts'
import { startPeer } from './servers/peer.ts'
import { datasetMonth } from './scenarios/dashboard-cached.ts'
import { killAll, type ServerProcess } from './servers/process.ts'

const log = (message: string) => process.stderr.write(`bench: ${message}\n`)

// --- interruption -------------------------------------------------------------------
let interrupted = false
let busy = false
function onSignal (signal: NodeJS.Signals): void {
  // Before any server runs there is nothing to clean up (an interrupted seed is rebuilt next time).
  if (!busy || interrupted) {
    killAll()
    process.exit(130)
  }
  interrupted = true
  log(`${signal}: stopping the load and the servers (again to kill them at once)`)
  stopLoad()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
process.on('exit', killAll)

// --- facts for the report ----------------------------------------------------------------
/** The bench stack's MongoDB process, when this machine runs it (its CPU goes in the report). */
async function localMongoPid (): Promise<number | undefined> {
  if (process.env.MONGODB_URL !== undefined) return undefined
  return await runningPid(mongoService.pidFile(stackLayout('bench')), mongoService.programName)
}

// --- one server, its scenarios --------------------------------------------------------------
interface Session {
  options: BenchOptions
  plan: SeedPlan
  mongoPid: number | undefined
  runs: BenchRun[]
  /** the dashboard body optimised Haven served, for the peer to serve the same */
  dashboardBody?: string
}

async function drive (session: Session, server: ServerProcess, scenario: Scenario, config: BenchRun['config'], target: Target): Promise<void> {
  let load: Awaited<ReturnType<Scenario['prepare']>>
  try {
    load = await scenario.prepare(target)
  } catch (err) {
    // A configuration too slow to even set a scenario up (the unoptimised baseline at
    // scale) is a result, not a reason to lose the rest of the report.
    if (interrupted) throw err
    log(`${scenario.name} · ${config}: could not be prepared: ${(err as Error).message}`)
    session.runs.push({
      scenario: scenario.name, config, connections: session.options.load.connections, durationS: session.options.load.durationS,
      rps: 0, latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 }, statusCounts: {}, errors: 1, rssPeakMB: 0, cpuPct: 0,
      extra: { summary: scenario.summary, scanDominated: scenario.scanDominated, notRun: (err as Error).message }
    })
    return
  }
  const settings: LoadSettings = session.options.load
  const label = `${scenario.name} · ${config}`
  const measured = load.run !== undefined
    ? await load.run(settings)
    : await measure(server.baseUrl, load.requests, settings, { server: server.pid, mongo: session.mongoPid }, (round) => {
      log(`${label}: round ${round}/${settings.rounds} (${settings.durationS} s, ${settings.connections} connections)`)
    })
  if (interrupted) throw new Error('interrupted')
  // What the server reports after the load is a fact for the report, not a reason to lose it.
  const finished = await (load.finish?.() ?? Promise.resolve({})).catch((err: Error) => ({ finishError: err.message }))
  const scrape = scenario.server === 'haven' ? await scrapeSize(target).catch((err: Error) => ({ scrapeError: err.message })) : {}
  const { rounds, mongoCpuPct, loadGeneratorCpuPct, loadAverageBefore, ...figures } = measured
  session.runs.push({
    scenario: scenario.name,
    config,
    connections: settings.connections,
    durationS: settings.durationS,
    ...figures,
    extra: { summary: scenario.summary, scanDominated: scenario.scanDominated, rounds: settings.rounds, warmupS: settings.warmupS, perRound: rounds, mongoCpuPct, loadGeneratorCpuPct, loadAverageBefore, ...load.extra, ...finished, ...scrape }
  })
  log(`${label}: ${Math.round(measured.rps).toLocaleString('en-US')} req/s, p99 ${measured.latencyMs.p99} ms, ${measured.errors} errors, server CPU ${measured.cpuPct} %, RSS ${measured.rssPeakMB} MB`)
}

/** /metrics after the load, as Prometheus would read it: its size and how many series it holds. */
async function scrapeSize (target: Target): Promise<{ scrapeBytes: number, scrapeSeries: number }> {
  const response = await fetch(`${target.baseUrl}/metrics`, { headers: target.opsAuth, signal: AbortSignal.timeout(10_000) })
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`)
  const text = await response.text()
  return { scrapeBytes: Buffer.byteLength(text), scrapeSeries: text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length }
}

async function withServer<T extends ServerProcess> (start: () => Promise<T>, use: (server: T) => Promise<void>): Promise<void> {
  const server = await start()
  try {
    await use(server)
  } catch (err) {
    throw new Error(`${server.name}: ${(err as Error).message}\n--- its last output ---\n${server.logTail()}`)
  } finally {
    await server.stop()
  }
}

async function runCeilings (session: Session): Promise<void> {
  for (const scenario of session.options.scenarios) {
    if (scenario.server === 'haven' || scenario.server === 'peer-express') continue
    const file = scenario.server === 'ceiling-node-http' ? 'ceiling-node-http.ts' : 'ceiling-fastify.ts'
    await withServer(() => startCeiling(file), (server) => drive(session, server, scenario, 'baseline', targetFor(server, session.plan, {})))
  }
}

const wantsPeer = (session: Session) => session.options.scenarios.some((s) => s.server === 'peer-express')

async function runHaven (session: Session, config: HavenConfig, db: Db, pool: pg.Pool, urls: StackUrls, mongoUrl: string): Promise<void> {
  const scenarios = session.options.scenarios.filter((s) => s.server === 'haven')
  const capture = config === 'optimised' && wantsPeer(session)
  if (scenarios.length === 0 && !capture) return
  log(`${config}: ${config === 'unoptimised' ? 'dropping the secondary indexes' : 'applying the indexes'}`)
  await migrate(db, pool, { unoptimised: config === 'unoptimised' })
  const opsToken = randomBytes(32).toString('base64url')
  const havenTarget = { urls, mongoUrl, redisKeyPrefix: process.env.REDIS_KEY_PREFIX ?? `bench:${db.databaseName}:`, opsToken }
  const secret = randomBytes(32).toString('base64url')
  await withServer(() => startHaven(config, havenTarget, 'api', secret), async (server) => {
    const agency = session.plan.agencies[0]!
    const tokens = await targetFor(server, session.plan, {}).fetchJson('/v1/auth/login', {
      method: 'POST', body: { email: agency.ownerEmail, password: session.plan.password }
    }) as { accessToken: string }
    // Background-job scenarios get a worker process of their own beside the API.
    let worker: ServerProcess | null = scenarios.some((s) => s.worker === true) ? await startHaven(config, havenTarget, 'worker', secret) : null
    const handle: WorkerHandle | null = worker === null
      ? null
      : {
          pid: () => worker!.pid,
          restart: async () => {
            await worker!.stop()
            worker = await startHaven(config, havenTarget, 'worker', secret)
          }
        }
    try {
      const target = targetFor(server, session.plan, { authorization: `Bearer ${tokens.accessToken}` }, opsToken, handle)
      if (capture) {
        const response = await fetch(`${server.baseUrl}/v1/dashboard?period=${datasetMonth(target)}`, { headers: target.auth })
        session.dashboardBody = await response.text()
      }
      for (const scenario of scenarios) await drive(session, server, scenario, config, target)
    } finally {
      await worker?.stop()
    }
  })
}

/** The peer serves the body optimised Haven served, behind a token it can verify. */
async function runPeer (session: Session, urls: StackUrls, redisKeyPrefix: string): Promise<void> {
  const scenarios = session.options.scenarios.filter((s) => s.server === 'peer-express')
  if (scenarios.length === 0) return
  if (session.dashboardBody === undefined) throw new Error('the peer needs the dashboard body Haven served')
  const body = session.dashboardBody
  await withServer(() => startPeer(session.plan, urls, redisKeyPrefix, body), async (peer) => {
    const target = targetFor(peer, session.plan, peer.auth)
    for (const scenario of scenarios) await drive(session, peer, scenario, 'baseline', target)
  })
}

async function main (): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  const started = Date.now()
  const urls = await benchStackUp(options.scale)
  const mongoUrl = withDatabase(urls.MONGODB_URL, options.database ?? datasetDatabase(options.scale, options.seed))
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 })
  const pool = migrationPool(urls.DATABASE_URL)
  const plan = scalePlan(options.scale, options.seed)
  const session: Session = { options, plan, mongoPid: await localMongoPid(), runs: [] }
  let unoptimisedIndexes = false
  try {
    const db = client.db()
    const { reused, marker } = await ensureDataset(db, pool, plan)
    log(`${reused ? 'reusing' : 'seeded'} scale ${options.scale} (seed ${options.seed}) in ${mongoUrl}: ${marker.report?.documents.toLocaleString('en-US') ?? '?'} documents`)
    const mongodb = await mongoServer(db)
    busy = true
    await runCeilings(session)
    await runHaven(session, 'optimised', db, pool, urls, mongoUrl)
    if (options.observability) {
      // The cost of observability: the same server with less of it, in the same run.
      await runHaven(session, 'metrics-only', db, pool, urls, mongoUrl)
      await runHaven(session, 'observability-off', db, pool, urls, mongoUrl)
    } else {
      await runPeer(session, urls, process.env.REDIS_KEY_PREFIX ?? `bench:${db.databaseName}:`)
    }
    if (!options.observability && !options.optimisedOnly) {
      unoptimisedIndexes = true
      await runHaven(session, 'unoptimised', db, pool, urls, mongoUrl)
    }

    const report: BenchReport = { createdAt: new Date().toISOString(), commit: gitCommit(), node: process.version, mongodb, scale: options.scale, runs: session.runs }
    const written = await writeReport(report, {
      machine: describeMachine(),
      rounds: options.load.rounds,
      warmupS: options.load.warmupS,
      localMongo: mongodb.server === 'mongo-java-server'
    }, options.outDir, options.reference)
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${written.json}, ${written.markdown}, ${written.chart} (copy in ${written.datedDir})`)
    if (options.check) {
      const havenConfigs: Array<BenchRun['config']> = options.observability
        ? ['optimised', 'metrics-only', 'observability-off']
        : options.optimisedOnly ? ['optimised'] : ['optimised', 'unoptimised']
      // The peer runs beside unoptimised Haven, not in the observability comparison.
      const scenarios = options.observability ? options.scenarios.filter((s) => s.server !== 'peer-express') : options.scenarios
      const problems = reportProblems(report, expectedRuns(scenarios, havenConfigs), options.load.rounds)
      for (const problem of problems) log(`check: ${problem}`)
      if (problems.length > 0) throw new Error(`check: ${problems.length} problem(s) in the report`)
      log(`check: ${report.runs.length} runs, each prepared and answered 2xx`)
    }
  } finally {
    killAll()
    // The dataset is left as a normal migration leaves it, whatever happened.
    if (unoptimisedIndexes) await migrate(client.db(), pool).catch((err: unknown) => log(`could not restore the indexes: ${(err as Error).message}`))
    await Promise.all([client.close(), pool.end()])
  }
}

// Exits explicitly: autocannon leaves its 10 s request timers behind, which would hold the
// process that long after the report is written.
main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench: ${interrupted ? 'interrupted' : (err as Error).message}\n`)
  process.exit(interrupted ? 130 : 1)
})
