// A three-node Redis Cluster on 127.0.0.1: Debian's redis-server in cluster mode, joined by
// redis-cli --cluster create, three masters and no replicas (enough to spread the 16384 slots
// over three nodes, which is what the tests on it need). Like the single Redis it is started
// with our own options and reads no config file. Its nodes keep nothing on disk but their
// cluster configuration: the cluster holds caches and counters, so when it is not whole
// (a node was down, or one runs from an earlier cluster) it is emptied and created afresh.
import { Cluster } from 'ioredis'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { redisTarget } from '../../config.ts'
import { requireCommand } from './apt.ts'
import type { StackLayout } from './profile.ts'
import { logProgress, run, runningPid, START_TIMEOUT_MS, waitForPort } from './process.ts'
import { ensureRunning, type Service } from './service.ts'

export const CLUSTER_NODES = 3
const SLOTS = 16_384

const dir = (layout: StackLayout, index: number) => path.join(layout.dataDir, 'redis-cluster', `node-${index + 1}`)
const portOf = (layout: StackLayout, index: number) => layout.ports.redisCluster + index
const cli = (profile: string) => requireCommand(profile, 'redis-cli', 'redis-tools')

function clusterNode (index: number): Service {
  return {
    name: `redis-cluster-${index + 1}`,
    urlVariable: 'REDIS_CLUSTER_URL',
    programName: 'redis-server',
    stopSignal: 'SIGTERM',
    port: layout => portOf(layout, index),
    url: layout => `redis://127.0.0.1:${portOf(layout, index)}`,
    pidFile: layout => path.join(dir(layout, index), 'redis.pid'),
    logFile: layout => path.join(layout.logDir, `redis-cluster-${index + 1}.log`),

    async start (layout) {
      const server = await requireCommand(layout.profile, 'redis-server', 'redis-server')
      const port = portOf(layout, index)
      const pidFile = this.pidFile(layout)
      const logFile = this.logFile(layout)
      await mkdir(dir(layout, index), { recursive: true })
      await mkdir(layout.logDir, { recursive: true })
      logProgress(layout.profile, `starting redis cluster node ${index + 1} on 127.0.0.1:${port} (cluster bus ${layout.ports.redisClusterBus + index})`)
      await run(server, [
        '--bind', '127.0.0.1',
        '--port', String(port),
        '--protected-mode', 'yes',
        '--daemonize', 'yes',
        '--dir', dir(layout, index),
        '--pidfile', pidFile,
        '--logfile', logFile,
        '--save', '',
        '--appendonly', 'no',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', path.join(dir(layout, index), 'nodes.conf'),
        // Redis's default bus port (port + 10000) does not exist above 55535: it is set explicitly.
        '--cluster-port', String(layout.ports.redisClusterBus + index),
        '--cluster-node-timeout', '5000'
      ])
      await waitForPort({
        what: this.name,
        port,
        logFile,
        isRunning: async () => !existsSync(pidFile) || await runningPid(pidFile, 'redis-server') !== undefined
      })
    }
  }
}

export const redisClusterNodes: Service[] = Array.from({ length: CLUSTER_NODES }, (_, index) => clusterNode(index))

/** The seed nodes as Haven's REDIS_URL names them (with REDIS_CLUSTER=true). */
export function redisClusterUrl (layout: StackLayout): string {
  return `redis://${redisClusterNodes.map((_, index) => `127.0.0.1:${portOf(layout, index)}`).join(',')}`
}

async function clusterInfo (redisCli: string, port: number): Promise<Map<string, string>> {
  const text = await run(redisCli, ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info'])
  return new Map(text.split(/\r?\n/).filter((line) => line.includes(':')).map((line) => line.split(':', 2) as [string, string]))
}

async function isWhole (redisCli: string, layout: StackLayout): Promise<boolean> {
  const infos = await Promise.all(redisClusterNodes.map((_, index) => clusterInfo(redisCli, portOf(layout, index))))
  return infos.every((info) => info.get('cluster_state') === 'ok' &&
    info.get('cluster_known_nodes') === String(CLUSTER_NODES) && info.get('cluster_slots_assigned') === String(SLOTS))
}

/** Starts the nodes that are not running and makes them one cluster, unless they already are one. */
export async function ensureRedisCluster (layout: StackLayout): Promise<void> {
  await Promise.all(redisClusterNodes.map((node) => ensureRunning(node, layout)))
  const redisCli = await cli(layout.profile)
  if (await isWhole(redisCli, layout)) return

  logProgress(layout.profile, 'creating the redis cluster (redis-cli --cluster create)')
  const ports = redisClusterNodes.map((_, index) => portOf(layout, index))
  // A node that ran in an earlier cluster remembers it (nodes.conf): forget it, and any keys.
  for (const port of ports) {
    const args = ['-h', '127.0.0.1', '-p', String(port)]
    await run(redisCli, [...args, 'flushall'])
    await run(redisCli, [...args, 'cluster', 'reset', 'hard'])
  }
  await run(redisCli, ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'])
  // create returns once the nodes agree on the slots; each turns "ok" a moment later.
  const deadline = Date.now() + START_TIMEOUT_MS
  while (!await isWhole(redisCli, layout)) {
    if (Date.now() > deadline) throw new Error(`the redis cluster on 127.0.0.1:${ports.join(',')} did not become whole within ${START_TIMEOUT_MS / 1000} s; see its logs in ${layout.logDir}`)
    await sleep(200)
  }
}

/**
 * CROSSSLOT errors the cluster's masters have answered since they started (INFO errorstats):
 * a command, script or transaction whose keys spanned hash slots reached the server.
 */
export async function crossSlotErrors (clusterUrl: string): Promise<number> {
  const target = redisTarget({ REDIS_URL: clusterUrl, REDIS_CLUSTER: true, REDIS_CLUSTER_NAT_MAP: '' })
  if (target.mode !== 'cluster') throw new Error(`not a cluster URL: ${clusterUrl}`)
  const cluster = new Cluster(target.nodes, { lazyConnect: true })
  try {
    await cluster.connect()
    const stats = await Promise.all(cluster.nodes('master').map((node) => node.info('errorstats')))
    return stats.reduce((sum, text) => sum + Number(/^errorstat_CROSSSLOT:count=(\d+)/m.exec(text)?.[1] ?? 0), 0)
  } finally {
    cluster.disconnect()
  }
}
