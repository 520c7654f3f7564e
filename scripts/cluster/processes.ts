// The Haven processes of a cluster: started detached (they outlive `npm run cluster -- up`),
// each with its log in .data/cluster/logs, its memory probe and the deployed runtime options;
// stopped with SIGTERM (the graceful shutdown: drain, then close), restarted on the same port.
import { spawn } from 'node:child_process'
import { open } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { DEPLOYED_SETTINGS, deployedNodeOptions } from '../../bench/servers/haven.ts'
import { CLUSTER_DIR, type ClusterProcess, type ClusterState } from './state.ts'

const root = path.resolve(import.meta.dirname, '..', '..')
const READY_TIMEOUT_MS = 60_000
// SHUTDOWN_DRAIN_MS + SHUTDOWN_GRACE_MS + server.ts's last resort, and a little more.
const EXIT_TIMEOUT_MS = 40_000

export interface ProcessSpec {
  name: string
  role: 'api' | 'worker'
  port: number
}

export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function waitReady (port: number, timeoutMs = READY_TIMEOUT_MS, pid?: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, () => 0)
    if (status === 200) return
    if (pid !== undefined && !isAlive(pid)) throw new Error(`the process for port ${port} exited before it was ready; see its log in ${path.join(CLUSTER_DIR, 'logs')}`)
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${port} was not ready within ${timeoutMs / 1000} s (last status ${status})`)
    await sleep(200)
  }
}

function logFile (name: string): string {
  return path.join(CLUSTER_DIR, 'logs', `${name}.log`)
}

export async function startProcess (spec: ProcessSpec, state: Omit<ClusterState, 'processes'>, jwtSecret: string): Promise<ClusterProcess> {
  const probeFile = path.join(CLUSTER_DIR, `${spec.name}.memory.json`)
  const log = await open(logFile(spec.name), 'a')
  let pid: number
  try {
    const child = spawn(process.execPath, [...deployedNodeOptions(), '--import', path.join(root, 'bench', 'servers', 'memory-probe.ts'), 'server.ts'], {
      cwd: root,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
      env: {
        PATH: process.env.PATH,
        ...DEPLOYED_SETTINGS,
        HAVEN_ROLE: spec.role,
        HOST: '127.0.0.1',
        PORT: String(spec.port),
        // Behind HAProxy, one hop: the client's address is the last X-Forwarded-For entry it adds.
        TRUST_PROXY: spec.role === 'api' ? '1' : 'false',
        MONGODB_URL: state.mongoUrl,
        DATABASE_URL: state.databaseUrl,
        REDIS_URL: state.redisUrl,
        REDIS_KEY_PREFIX: state.redisKeyPrefix,
        JWT_SECRET: jwtSecret,
        HAVEN_MEMORY_PROBE_FILE: probeFile
      }
    })
    pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject)
      child.once('spawn', () => resolve(child.pid!))
    })
    child.unref()
  } finally {
    await log.close()
  }
  await waitReady(spec.port, READY_TIMEOUT_MS, pid)
  return { ...spec, pid, probeFile }
}

/** SIGTERM and wait for the exit; false when the process had to be killed. */
export async function stopProcess (pid: number, timeoutMs = EXIT_TIMEOUT_MS): Promise<boolean> {
  if (!isAlive(pid)) return true
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true
    await sleep(100)
  }
  process.kill(pid, 'SIGKILL')
  return false
}
