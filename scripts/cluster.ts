// npm run cluster -- up|down|status [--scale XS|S|M|L] [--seed N]
// Two API processes and two workers from this checkout, against one set of servers (the bench
// stack, with the dataset of the scale), behind HAProxy configured by deploy/haproxy/haproxy.cfg,
// all on 127.0.0.1. Ports: the balancer on HAVEN_CLUSTER_PORT (default 3100), the API processes
// on the next two, the workers (health and metrics only) on the two after, HAProxy's statistics
// on HAVEN_CLUSTER_PORT + 9. The processes run detached (logs in .data/cluster/logs) until
// `down`; `bench:users -- --cluster`, `bench:rolling` and `bench:uptime` drive a running one.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { MongoClient } from 'mongodb'
import { migrate, migrationPool } from '../migrations/index.ts'
import { datasetDatabase } from './seed.ts'
import { ensureDataset } from './seed/dataset.ts'
import { isScale, scalePlan } from './seed/plan.ts'
import { benchStackUp } from './seed/stack.ts'
import { requireCommand } from './stack/apt.ts'
import { logProgress, run, spawnDetached } from './stack/process.ts'
import { withDatabase } from '../test/support/databases.ts'
import { isAlive, startProcess, stopProcess, type ProcessSpec } from './cluster/processes.ts'
import { CLUSTER_DIR, readClusterState, STATE_FILE, writeClusterState, type ClusterState } from './cluster/state.ts'

const HAPROXY_CONFIG = path.resolve(import.meta.dirname, '..', 'deploy', 'haproxy', 'haproxy.cfg')
const PID_FILE = path.join(CLUSTER_DIR, 'haproxy.pid')
const say = (message: string) => logProgress('cluster', message)

export function clusterPorts (env: NodeJS.ProcessEnv = process.env) {
  const base = Number(env.HAVEN_CLUSTER_PORT ?? 3100)
  if (!Number.isInteger(base) || base < 1024 || base > 65_000) throw new Error(`HAVEN_CLUSTER_PORT must be a port from 1024 to 65000, got ${JSON.stringify(env.HAVEN_CLUSTER_PORT)}`)
  return { balancer: base, api: [base + 1, base + 2], worker: [base + 3, base + 4], stats: base + 9 }
}

export function haproxyEnv (state: Pick<ClusterState, 'processes'>, ports = clusterPorts()): NodeJS.ProcessEnv {
  const api = state.processes.filter((p) => p.role === 'api')
  return {
    ...process.env,
    HAVEN_LB_BIND: `127.0.0.1:${ports.balancer}`,
    HAVEN_LB_STATS: `127.0.0.1:${ports.stats}`,
    HAVEN_API_1: `127.0.0.1:${api[0]!.port}`,
    HAVEN_API_2: `127.0.0.1:${api[1]!.port}`
  }
}

/** A signing key shared by every process of the cluster (tokens from one are valid on all). */
export async function clusterJwtSecret (): Promise<string> {
  const file = path.join(CLUSTER_DIR, 'jwt-secret')
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim()
  const secret = randomBytes(48).toString('base64url')
  await writeFile(file, `${secret}\n`, { mode: 0o600 })
  return secret
}

async function haproxyPid (): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(PID_FILE, 'utf8').catch(() => ''), 10)
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined
}

async function up (scale: string, seed: number): Promise<void> {
  if (!isScale(scale)) throw new Error('--scale must be XS, S, M or L')
  if (existsSync(STATE_FILE)) {
    const running = await readClusterState()
    if (running.processes.every((p) => isAlive(p.pid)) && await haproxyPid() !== undefined) {
      say(`already running: ${running.balancerUrl}`)
      return
    }
    await down()
  }
  await mkdir(path.join(CLUSTER_DIR, 'logs'), { recursive: true })
  const haproxy = await requireCommand('cluster', 'haproxy', 'haproxy')
  const urls = await benchStackUp(scale)
  const mongoUrl = withDatabase(urls.MONGODB_URL, datasetDatabase(scale, seed))
  const client = new MongoClient(mongoUrl)
  const pool = migrationPool(urls.DATABASE_URL)
  try {
    const { reused } = await ensureDataset(client.db(), pool, scalePlan(scale, seed))
    say(`${reused ? 'reusing' : 'seeded'} scale ${scale} in ${mongoUrl}`)
    await migrate(client.db(), pool)
  } finally {
    await Promise.all([client.close(), pool.end()])
  }

  const ports = clusterPorts()
  const base: Omit<ClusterState, 'processes'> = {
    balancerUrl: `http://127.0.0.1:${ports.balancer}`,
    statsUrl: `http://127.0.0.1:${ports.stats}/`,
    mongoUrl,
    databaseUrl: urls.DATABASE_URL,
    redisUrl: urls.REDIS_URL,
    redisKeyPrefix: `cluster:${datasetDatabase(scale, seed)}:`
  }
  const specs: ProcessSpec[] = [
    ...ports.api.map((port, i) => ({ name: `api${i + 1}`, role: 'api' as const, port })),
    ...ports.worker.map((port, i) => ({ name: `worker${i + 1}`, role: 'worker' as const, port }))
  ]
  const secret = await clusterJwtSecret()
  const state: ClusterState = { ...base, processes: [] }
  for (const spec of specs) {
    say(`starting ${spec.name} (${spec.role}) on 127.0.0.1:${spec.port}`)
    state.processes.push(await startProcess(spec, base, secret))
    await writeClusterState(state)
  }
  say(`starting HAProxy (${path.relative(process.cwd(), HAPROXY_CONFIG)}) on ${base.balancerUrl}`)
  await run(haproxy, ['-c', '-f', HAPROXY_CONFIG], { env: haproxyEnv(state, ports) })
  // In the foreground of a detached process, so its log (server state changes) goes to a file.
  const pid = await spawnDetached(haproxy, ['-f', HAPROXY_CONFIG], path.join(CLUSTER_DIR, 'logs', 'haproxy.log'), haproxyEnv(state, ports))
  await writeFile(PID_FILE, `${pid}\n`)
  say(`up: ${base.balancerUrl} (statistics: ${base.statsUrl})`)
}

async function down (): Promise<void> {
  const state = existsSync(STATE_FILE) ? await readClusterState() : undefined
  const pid = await haproxyPid()
  if (pid !== undefined) {
    process.kill(pid, 'SIGUSR1') // HAProxy's soft stop: finish open connections, then exit
    await stopProcess(pid, 10_000)
  }
  await Promise.all((state?.processes ?? []).map(async (p) => {
    say(`stopping ${p.name}`)
    await stopProcess(p.pid)
  }))
  await rm(STATE_FILE, { force: true })
  say('down')
}

async function status (): Promise<void> {
  if (!existsSync(STATE_FILE)) {
    process.stdout.write('not running\n')
    return
  }
  const state = await readClusterState()
  process.stdout.write(`balancer ${await haproxyPid() === undefined ? 'down' : 'up'} ${state.balancerUrl}\n`)
  for (const p of state.processes) {
    const ready = await fetch(`http://127.0.0.1:${p.port}/health/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => String(r.status), () => 'no answer')
    process.stdout.write(`${p.name.padEnd(9)}${p.role.padEnd(8)}pid ${String(p.pid).padEnd(8)}${isAlive(p.pid) ? 'alive' : 'dead '}  ready: ${ready}\n`)
  }
}

async function main (argv: string[]): Promise<void> {
  const usage = 'usage: npm run cluster -- up|down|status [--scale XS|S|M|L] [--seed N]'
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { scale: { type: 'string', default: 'S' }, seed: { type: 'string', default: '1' } } })
  switch (positionals[0]) {
    case 'up': return await up(values.scale, Number(values.seed))
    case 'down': return await down()
    case 'status': return await status()
    default: throw new Error(usage)
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}
