// Haven under test: `node server.ts` in a process of its own, in the api role, with the
// configuration being measured. Everything below except HAVEN_UNOPTIMISED and OBSERVABILITY
// is the same for every configuration; each departure from the defaults says why.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { StackUrls } from '../../scripts/stack.ts'
import { freePort, READY_TIMEOUT_MS, startServer, type ServerProcess } from './process.ts'

export type HavenConfig = 'optimised' | 'unoptimised' | 'metrics-only' | 'observability-off'

/** What each configuration sets: optimised is Haven as deployed (OBSERVABILITY=full). */
const CONFIG_ENV: Record<HavenConfig, { HAVEN_UNOPTIMISED: string, OBSERVABILITY: string }> = {
  optimised: { HAVEN_UNOPTIMISED: 'false', OBSERVABILITY: 'full' },
  unoptimised: { HAVEN_UNOPTIMISED: 'true', OBSERVABILITY: 'full' },
  'metrics-only': { HAVEN_UNOPTIMISED: 'false', OBSERVABILITY: 'metrics' },
  'observability-off': { HAVEN_UNOPTIMISED: 'false', OBSERVABILITY: 'off' }
}

export interface HavenTarget {
  urls: StackUrls
  /** MONGODB_URL with the dataset's database */
  mongoUrl: string
  redisKeyPrefix: string
  /** the server's OPS_TOKEN, so the harness can read /metrics and /ops/ */
  opsToken: string
}

export const BENCH_SETTINGS = {
  NODE_ENV: 'production',
  HAVEN_ROLE: 'api',
  LOG_LEVEL: 'warn',
  // The limiter stays on (its Redis round trip is part of every request) but never refuses,
  // per user or per agency.
  RATE_LIMIT_MAX: '1000000000',
  RATE_LIMIT_AGENCY_MAX: '1000000000',
  // The export-creation limit too: the job scenarios queue dozens of exports a minute.
  EXPORT_RATE_LIMIT_MAX: '1000000000',
  // Each configuration logs in once; repeated runs within the window must not be refused.
  LOGIN_MAX_PER_ADDRESS: '1000',
  // One token serves a whole configuration, however long its scenarios take.
  ACCESS_TOKEN_TTL_S: '86400',
  // A closed-loop load generator keeps the event loop busy on purpose; shedding at 98 %
  // utilisation would measure the shedding threshold instead of the request path.
  PRESSURE_MAX_EVENT_LOOP_UTILIZATION: '0',
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
  // Likewise for the dependency probes: a MongoDB kept busy by the load (the unoptimised
  // configuration's scans) answers pings late, and shedding then would replace the figure
  // being measured by 503s. Down is still down.
  HEALTH_PROBE_TIMEOUT_MS: '30000',
  // The unoptimised baseline's heap holds whole ledgers by design; shedding on it would hide them.
  PRESSURE_MAX_HEAP_FRACTION: '0',
  SHUTDOWN_GRACE_MS: '5000',
  // Start-up is not measured: on a busy machine it may take as long as the harness waits for it.
  PLUGIN_TIMEOUT_MS: String(READY_TIMEOUT_MS)
} as const

const root = path.resolve(import.meta.dirname, '..', '..')

/**
 * How much lower the worker process's CPU priority is than the API's (a nice value): on a
 * shared machine the API's requests come first and background jobs take what is left, as a
 * deployment would arrange (nice -n 10, systemd Nice=10, or workers on machines of their own).
 */
export const WORKER_NICE = 10

export async function startHaven (config: HavenConfig, target: HavenTarget, role: 'api' | 'worker' = 'api', jwtSecret = randomBytes(32).toString('base64url')): Promise<ServerProcess> {
  const port = await freePort()
  const server = await startServer({
    name: role === 'api' ? `haven (${config})` : `haven worker (${config})`,
    // As npm start runs it (its heap limits are part of what is measured); the unoptimised
    // baseline computes from raw ledgers and needs Node's default, larger heap.
    args: [...(config === 'unoptimised' ? [] : deployedNodeOptions()), 'server.ts'],
    cwd: root,
    port,
    readyPath: '/health/ready',
    env: {
      PATH: process.env.PATH,
      ...BENCH_SETTINGS,
      HOST: '127.0.0.1',
      PORT: String(port),
      MONGODB_URL: target.mongoUrl,
      DATABASE_URL: target.urls.DATABASE_URL,
      REDIS_URL: target.urls.REDIS_URL,
      REDIS_KEY_PREFIX: target.redisKeyPrefix,
      JWT_SECRET: jwtSecret,
      OPS_TOKEN: target.opsToken,
      ...CONFIG_ENV[config],
      HAVEN_ROLE: role
    }
  })
  if (role === 'worker') os.setPriority(server.pid, WORKER_NICE)
  return server
}

export async function startCeiling (file: 'ceiling-node-http.ts' | 'ceiling-fastify.ts'): Promise<ServerProcess> {
  const port = await freePort()
  return await startServer({
    name: file.replace(/\.ts$/, ''),
    args: [path.join(import.meta.dirname, file)],
    cwd: root,
    port,
    readyPath: '/',
    env: { PATH: process.env.PATH, PORT: String(port) }
  })
}

// --- whole deployments (users workload, cluster) ------------------------------------

/**
 * How a process's runtime is set: as `npm start` runs it (deployed), or with Node's defaults, as
 * before issue 12 (the only memory change: the pools and caches were bounded already).
 */
export type Runtime = 'deployed' | 'node-defaults'

/** node's options in package.json's start script: the runtime limits production runs with, in one place. */
export function deployedNodeOptions (): string[] {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }
  const words = manifest.scripts.start.trim().split(/\s+/)
  if (words[0] !== 'node' || words.at(-1) !== 'server.ts') throw new Error(`package.json's start script is not "node [options] server.ts": ${manifest.scripts.start}`)
  return words.slice(1, -1)
}

/**
 * The users workload and the cluster run Haven as deployed: production limits, load shedding and
 * rate limits on. What differs says why.
 */
export const DEPLOYED_SETTINGS = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  // Every virtual user signs in from 127.0.0.1, and several share an account.
  LOGIN_MAX_PER_ACCOUNT: '100000',
  LOGIN_MAX_PER_ADDRESS: '100000',
  // A user signs in once per run, and runs (capacity search, uptime) outlast 15 minutes.
  ACCESS_TOKEN_TTL_S: '86400',
  // Start-up is not measured: on a busy machine it may take as long as the harness waits for it.
  PLUGIN_TIMEOUT_MS: String(READY_TIMEOUT_MS)
} as const

export interface RoleOptions {
  role: 'api' | 'worker' | 'all'
  name: string
  /** without opsToken the process's /ops/ and /metrics stay closed */
  target: Omit<HavenTarget, 'opsToken'> & { opsToken?: string }
  jwtSecret: string
  runtime: Runtime
  port?: number
  /** where bench/servers/memory-probe.ts writes this process's memory */
  probeFile?: string
  env?: Record<string, string>
}

export async function startHavenRole (options: RoleOptions): Promise<ServerProcess> {
  const port = options.port ?? await freePort()
  const probe = options.probeFile === undefined ? [] : ['--import', path.join(import.meta.dirname, 'memory-probe.ts')]
  return await startServer({
    name: options.name,
    args: [...(options.runtime === 'deployed' ? deployedNodeOptions() : []), ...probe, 'server.ts'],
    cwd: root,
    port,
    readyPath: '/health/ready',
    env: {
      PATH: process.env.PATH,
      ...DEPLOYED_SETTINGS,
      HAVEN_ROLE: options.role,
      HOST: '127.0.0.1',
      PORT: String(port),
      MONGODB_URL: options.target.mongoUrl,
      DATABASE_URL: options.target.urls.DATABASE_URL,
      REDIS_URL: options.target.urls.REDIS_URL,
      REDIS_KEY_PREFIX: options.target.redisKeyPrefix,
      JWT_SECRET: options.jwtSecret,
      ...(options.target.opsToken === undefined ? {} : { OPS_TOKEN: options.target.opsToken }),
      ...(options.probeFile === undefined ? {} : { HAVEN_MEMORY_PROBE_FILE: options.probeFile }),
      ...options.env
    }
  })
}
