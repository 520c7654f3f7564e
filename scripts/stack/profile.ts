// Where one profile's services listen and keep their files. Profiles run side by side:
// the dev stack keeps demo data while the test stack is recreated freely, and the bench
// stack keeps benchmark datasets in memory between runs (npm run bench).
import os from 'node:os'
import path from 'node:path'

export const PROFILES = ['dev', 'test', 'bench'] as const
export type Profile = typeof PROFILES[number]

export interface StackLayout {
  profile: Profile
  /** .data/<profile>: data, pid files and logs, git-ignored */
  dataDir: string
  logDir: string
  /** downloads and builds shared by every clone on this machine */
  cacheDir: string
  /** redisCluster, redisClusterBus: the first of the cluster nodes' consecutive ports */
  ports: { mongo: number, postgres: number, redis: number, redisCluster: number, redisClusterBus: number }
}

const DEFAULT_PORTS: Record<Profile, Omit<StackLayout['ports'], 'redisClusterBus'>> = {
  dev: { mongo: 37017, postgres: 55432, redis: 56379, redisCluster: 56382 },
  test: { mongo: 37018, postgres: 55433, redis: 56380, redisCluster: 56385 },
  bench: { mongo: 37019, postgres: 55434, redis: 56381, redisCluster: 56388 }
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..')

export function isProfile (value: string): value is Profile {
  return (PROFILES as readonly string[]).includes(value)
}

/** Downloads and builds shared by every clone on this machine (as scripts/node24.sh has it). */
export function cacheDir (env: NodeJS.ProcessEnv = process.env): string {
  return env.HAVEN_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'haven')
}

export function stackLayout (profile: Profile, env: NodeJS.ProcessEnv = process.env): StackLayout {
  const dataDir = path.join(repoRoot, '.data', profile)
  const defaults = DEFAULT_PORTS[profile]
  const redis = portFromEnv(env, 'HAVEN_REDIS_PORT', defaults.redis)
  // The cluster's nodes follow a moved Redis port (one port range per clone), unless set themselves.
  const redisCluster = portFromEnv(env, 'HAVEN_REDIS_CLUSTER_PORT', env.HAVEN_REDIS_PORT ? redis + 1 : defaults.redisCluster)
  return {
    profile,
    dataDir,
    logDir: path.join(dataDir, 'logs'),
    cacheDir: cacheDir(env),
    ports: {
      mongo: portFromEnv(env, 'HAVEN_MONGO_PORT', defaults.mongo),
      postgres: portFromEnv(env, 'HAVEN_PG_PORT', defaults.postgres),
      redis,
      redisCluster,
      // Redis's own choice, port + 10000, exists only up to port 55535.
      redisClusterBus: portFromEnv(env, 'HAVEN_REDIS_CLUSTER_BUS_PORT', redisCluster + 10_002 <= 65_535 ? redisCluster + 10_000 : redisCluster - 10_000)
    }
  }
}

function portFromEnv (env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name]
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number 1-65535, got ${JSON.stringify(value)}`)
  }
  return port
}
