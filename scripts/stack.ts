// The local service stack: MongoDB (mongo-java-server), PostgreSQL and Redis on 127.0.0.1,
// one independent set per profile, with data, pid files and logs in .data/<profile>/.
//
//   node scripts/stack.ts up|down|status [--profile dev|test|bench]
//
// up prints MONGODB_URL, DATABASE_URL and REDIS_URL as NAME=value lines on stdout. A URL set in
// the environment is used as is and that service is not started. Ports default per profile and
// can be moved with HAVEN_MONGO_PORT, HAVEN_PG_PORT and HAVEN_REDIS_PORT.
// The test profile also runs a three-node Redis Cluster (REDIS_CLUSTER_URL; the others too with
// HAVEN_REDIS_CLUSTER=1), on the three ports after HAVEN_REDIS_PORT (or HAVEN_REDIS_CLUSTER_PORT).
import { parseArgs } from 'node:util'
import { mongo } from './stack/mongo.ts'
import { postgres } from './stack/postgres.ts'
import { isProfile, PROFILES, stackLayout, type Profile } from './stack/profile.ts'
import { logProgress } from './stack/process.ts'
import { redis } from './stack/redis.ts'
import { ensureRedisCluster, redisClusterNodes, redisClusterUrl } from './stack/redis-cluster.ts'
import { ensureRunning, serviceState, stopService, type Service, type ServiceState, type StackUrls } from './stack/service.ts'

export type { Profile } from './stack/profile.ts'
export type { StackUrls } from './stack/service.ts'

const SERVICES = [mongo, postgres, redis, ...redisClusterNodes]

/** npm test needs the Redis Cluster; elsewhere it is started on request. */
export function wantsRedisCluster (profile: Profile): boolean {
  return profile === 'test' || process.env.HAVEN_REDIS_CLUSTER === '1'
}

export interface ServiceStatus {
  name: string
  urlVariable: keyof StackUrls
  url: string
  /** external: the URL comes from the environment, so this stack does not manage the service */
  state: ServiceState | 'external'
}

/** Starts whatever is not running yet and returns the URLs to connect to. */
export async function stackUp (profile: Profile): Promise<StackUrls> {
  const layout = stackLayout(profile)
  const started = Date.now()
  const up = async (service: Service): Promise<string> => {
    const external = process.env[service.urlVariable]
    if (external) {
      logProgress(profile, `${service.name}: using ${service.urlVariable} from the environment`)
      return external
    }
    const fresh = await ensureRunning(service, layout)
    if (!fresh) logProgress(profile, `${service.name}: already running`)
    return service.url(layout)
  }
  const upCluster = async (): Promise<string | undefined> => {
    if (!wantsRedisCluster(profile)) return undefined
    if (process.env.REDIS_CLUSTER_URL) {
      logProgress(profile, 'redis cluster: using REDIS_CLUSTER_URL from the environment')
      return process.env.REDIS_CLUSTER_URL
    }
    await ensureRedisCluster(layout)
    return redisClusterUrl(layout)
  }
  const [MONGODB_URL, DATABASE_URL, REDIS_URL, REDIS_CLUSTER_URL] = await Promise.all([up(mongo), up(postgres), up(redis), upCluster()])
  logProgress(profile, `up in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return { MONGODB_URL, DATABASE_URL, REDIS_URL, ...(REDIS_CLUSTER_URL !== undefined ? { REDIS_CLUSTER_URL } : {}) }
}

/**
 * Stops the servers this stack started (found by their pid files); nothing running is fine.
 * A service whose URL the environment gives is not this stack's to stop.
 */
export async function stackDown (profile: Profile): Promise<void> {
  const layout = stackLayout(profile)
  await Promise.all(SERVICES.filter(service => !process.env[service.urlVariable]).map(async service => {
    const stopped = await stopService(service, layout)
    logProgress(profile, `${service.name}: ${stopped ? 'stopped' : 'was not running'}`)
  }))
}

export async function stackStatus (profile: Profile): Promise<ServiceStatus[]> {
  const layout = stackLayout(profile)
  return await Promise.all(SERVICES.map(async service => {
    const external = process.env[service.urlVariable]
    return {
      name: service.name,
      urlVariable: service.urlVariable,
      url: external || service.url(layout),
      state: external ? 'external' : await serviceState(service, layout)
    }
  }))
}

async function main (argv: string[]): Promise<void> {
  const usage = `usage: node scripts/stack.ts up|down|status [--profile ${PROFILES.join('|')}]`
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { profile: { type: 'string', default: 'dev' } }
  })
  const profile = values.profile
  if (positionals.length !== 1 || !isProfile(profile)) throw new Error(usage)

  switch (positionals[0]) {
    case 'up':
      for (const [name, value] of Object.entries(await stackUp(profile))) process.stdout.write(`${name}=${value}\n`)
      break
    case 'down':
      await stackDown(profile)
      break
    case 'status':
      for (const s of await stackStatus(profile)) {
        process.stdout.write(`${s.name.padEnd(9)}${s.state.padEnd(14)}${s.url}\n`)
      }
      break
    default:
      throw new Error(usage)
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`stack: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}
