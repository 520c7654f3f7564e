// What a running cluster (npm run cluster) tells the tools that drive it (the users workload,
// the rolling restart, the uptime run): where the balancer listens, which processes serve
// behind it and where each one's memory probe writes. Kept in .data/cluster/state.json.
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'

export const CLUSTER_DIR = path.resolve(import.meta.dirname, '..', '..', '.data', 'cluster')
export const STATE_FILE = path.join(CLUSTER_DIR, 'state.json')

export interface ClusterProcess {
  name: string
  role: 'api' | 'worker'
  pid: number
  port: number
  probeFile: string
}

export interface ClusterState {
  balancerUrl: string
  /** HAProxy's statistics page (CSV at ;csv) */
  statsUrl: string
  mongoUrl: string
  databaseUrl: string
  redisUrl: string
  redisKeyPrefix: string
  processes: ClusterProcess[]
}

export async function readClusterState (file = STATE_FILE): Promise<ClusterState> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClusterState
  } catch {
    throw new Error(`no running cluster (${file} is missing): start one with npm run cluster`)
  }
}

export async function writeClusterState (state: ClusterState, file = STATE_FILE): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`)
}
