// npm run bench:rolling -- [--users N] [--scale …]: a rolling restart of a running cluster
// (npm run cluster -- up) under the users workload through its balancer. Each API process in
// turn gets SIGTERM and is started again once it exited; then each worker, with jobs queued
// for it. Checks, per process: readiness turned false before anything else, HAProxy took it out
// of rotation before it exited, it exited by itself; overall: 0 failed requests, and once the
// workers are back and idle, no job is left locked. Before the load, a payment through the
// balancer must show on both API processes' dashboards (cache invalidation across instances).
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { mkdir, writeFile } from 'node:fs/promises'
import { startProcess, stopProcess, waitReady, isAlive } from '../../scripts/cluster/processes.ts'
import { writeClusterState, type ClusterProcess, type ClusterState } from '../../scripts/cluster/state.ts'
import { steady } from '../users/phases.ts'
import { checkInvalidation } from './invalidation.ts'
import { clusterSession } from './session.ts'

const log = (message: string) => process.stderr.write(`bench:rolling: ${message}\n`)

export interface RestartFacts {
  name: string
  /** ms from SIGTERM until /health/ready answered 503 draining */
  readinessFalseMs: number | null
  /** ms from SIGTERM until HAProxy showed the server DOWN (API processes) */
  balancerDownMs: number | null
  /** ms from SIGTERM until the process exited */
  exitMs: number
  exitedByItself: boolean
  /** ms from the new process's start until it was ready */
  readyAgainMs: number
}

/** HAProxy's view of one server (UP, DOWN, MAINT…), from its statistics CSV. */
export async function balancerStatus (state: ClusterState, server: string): Promise<string | undefined> {
  const csv = await fetch(`${state.statsUrl};csv`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.text(), () => '')
  const header = csv.split('\n')[0]?.replace(/^# /, '').split(',') ?? []
  const row = csv.split('\n').map((line) => line.split(',')).find((cells) => cells[0] === 'haven_api' && cells[1] === server)
  return row?.[header.indexOf('status')]
}

/** SIGTERM one process of the cluster, watch it leave, start it again on its port. */
export async function restartOne (state: ClusterState, target: ClusterProcess, secret: string): Promise<RestartFacts> {
  const sent = performance.now()
  let readinessFalseMs: number | null = null
  let balancerDownMs: number | null = null
  const watching = (async () => {
    while (isAlive(target.pid)) {
      if (readinessFalseMs === null) {
        const body = await fetch(`http://127.0.0.1:${target.port}/health/ready`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status === 503 ? r.json() as Promise<{ draining?: boolean }> : undefined, () => undefined)
        if (body?.draining === true) readinessFalseMs = Math.round(performance.now() - sent)
      }
      if (target.role === 'api' && balancerDownMs === null && (await balancerStatus(state, target.name))?.startsWith('DOWN') === true) {
        balancerDownMs = Math.round(performance.now() - sent)
      }
      await sleep(50)
    }
  })()
  const exitedByItself = await stopProcess(target.pid)
  const exitMs = Math.round(performance.now() - sent)
  await watching
  const startedAt = performance.now()
  const { processes: _ignored, ...base } = state
  const fresh = await startProcess({ name: target.name, role: target.role, port: target.port }, base, secret)
  state.processes = state.processes.map((p) => p.name === target.name ? fresh : p)
  await writeClusterState(state)
  if (target.role === 'api') {
    // Back in rotation before the next one leaves.
    while ((await balancerStatus(state, target.name))?.startsWith('UP') !== true) await sleep(200)
  }
  return { name: target.name, readinessFalseMs, balancerDownMs, exitMs, exitedByItself, readyAgainMs: Math.round(performance.now() - startedAt) }
}

/** Jobs locked by a worker, and jobs still waiting, of the cluster's queue. */
export async function lockedJobs (databaseUrl: string): Promise<{ locked: number, queued: number }> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ locked: string, queued: string }>(
      'SELECT count(*) FILTER (WHERE locked_by IS NOT NULL) AS locked, count(*) AS queued FROM graphile_worker.jobs WHERE task_identifier = $1', ['warm-dashboards'])
    return { locked: Number(rows[0]!.locked), queued: Number(rows[0]!.queued) }
  } finally {
    await client.end()
  }
}

/** Queues warm-dashboards jobs (quick, harmless) at `perSecond` until the signal aborts. */
export async function feedJobs (databaseUrl: string, perSecond: number, signal: AbortSignal): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  let added = 0
  try {
    while (!signal.aborted) {
      await client.query('SELECT graphile_worker.add_job($1, $2::json)', ['warm-dashboards', '{}']).then(() => { added++ }, () => undefined)
      await sleep(1000 / perSecond)
    }
  } finally {
    await client.end()
  }
  return added
}

async function main (): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { users: { type: 'string', default: '100' }, scale: { type: 'string', default: 'S' }, seed: { type: 'string', default: '1' }, out: { type: 'string' } } })
  const users = Number(values.users)
  const { state, secret, session } = await clusterSession(values.scale, Number(values.seed), users, 'roll', log)
  const invalidation = await checkInvalidation(state, session.users[0]!.account, session.workload.password, session.workload.period)
  log(`a payment through the balancer showed on each API process's dashboard after ${JSON.stringify(invalidation.seenAfterMs)} ms`)

  const order = [...state.processes.filter((p) => p.role === 'api'), ...state.processes.filter((p) => p.role === 'worker')]
  // Long enough for every restart: each takes the drain (5 s), its exit and a new start.
  const durationS = 20 + order.length * 20
  const feeding = new AbortController()
  const restarts: RestartFacts[] = []
  const load = steady(session, 'rolling restart', users, durationS)
  const jobs = feedJobs(state.databaseUrl, 5, feeding.signal)
  await sleep(10_000)
  for (const target of order) {
    log(`SIGTERM ${target.name} (pid ${target.pid})`)
    const facts = await restartOne(state, state.processes.find((p) => p.name === target.name)!, secret)
    log(`${target.name}: readiness false after ${facts.readinessFalseMs ?? '–'} ms, balancer DOWN after ${facts.balancerDownMs ?? '–'} ms, exited after ${facts.exitMs} ms${facts.exitedByItself ? '' : ' (KILLED)'}, ready again after ${facts.readyAgainMs} ms`)
    restarts.push(facts)
    await sleep(3_000)
  }
  const phase = await load
  feeding.abort()
  const added = await jobs
  // The queue drains within a few poll intervals once the workers are back.
  let queue = await lockedJobs(state.databaseUrl)
  for (let i = 0; i < 60 && queue.queued > 0; i++) {
    await sleep(500)
    queue = await lockedJobs(state.databaseUrl)
  }
  for (const p of state.processes) await waitReady(p.port)
  const failed = Object.values(phase.byType).reduce((sum, f) => sum + f.errors + f.shed + f.limited, 0)
  const apiOk = restarts.filter((r) => order.find((p) => p.name === r.name)?.role === 'api')
    .every((r) => r.readinessFalseMs !== null && r.balancerDownMs !== null && r.readinessFalseMs <= r.balancerDownMs && r.balancerDownMs < r.exitMs && r.exitedByItself)
  const passed = invalidation.passed && failed === 0 && apiOk && restarts.every((r) => r.exitedByItself) && queue.locked === 0 && queue.queued === 0
  const report = { createdAt: new Date().toISOString(), users, durationS, invalidation, restarts, requests: phase.byType, failedRequests: failed, jobsQueued: added, jobsLeft: queue, passed }
  const outDir = path.resolve(values.out ?? path.join(import.meta.dirname, '..', 'results'))
  await mkdir(outDir, { recursive: true })
  await writeFile(path.join(outDir, 'rolling-latest.json'), `${JSON.stringify(report, null, 2)}\n`)
  log(`${phase.verdict.unplannedErrors} failed of ${Object.values(phase.byType).reduce((sum, f) => sum + f.sent, 0)} requests; ${added} jobs queued, ${queue.locked} left locked, ${queue.queued} left queued: ${passed ? 'passed' : 'FAILED'} (${path.join(outDir, 'rolling-latest.json')})`)
  if (!passed) process.exitCode = 1
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:rolling: ${(err as Error).message}\n`)
    process.exit(1)
  })
}
