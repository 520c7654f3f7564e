// Builds the real app against the real servers for a test file. Each file gets its
// own MongoDB database, PostgreSQL database (cloned from the migrated template)
// and Redis key prefix, so files run in parallel without seeing each other's data.
// A file run with HAVEN_TEST_REDIS=cluster (test/cluster/) uses the test stack's
// Redis Cluster instead of its single Redis, and fails if any of its Redis
// commands, transactions or pipelines spans hash slots (support/slot-guard.ts).
import type { Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { MongoClient } from 'mongodb'
import { Cluster, Redis } from 'ioredis'
import { buildApp } from '../app.ts'
import { loadConfig, redisTarget } from '../config.ts'
import { applyIndexes } from '../migrations/mongo/apply.ts'
import { indexes } from '../migrations/mongo/indexes.ts'
import { createTestDatabase, dropTestDatabase, testDatabaseName, withDatabase } from './support/databases.ts'
import { recordQueryCoverage, type Violation } from './support/query-coverage.ts'
import { installSlotGuard, slotViolations } from './support/slot-guard.ts'
import { PATIENCE_MS, waitFor } from './support/wait-for.ts'
import { recordResponses } from './support/observed-responses.ts'

export type App = Awaited<ReturnType<typeof buildApp>>
export type Env = Record<string, string | undefined>
/** environment overrides, plus buildApp's own options (jobs, server) */
export type BuildOptions = { env?: Env } & NonNullable<Parameters<typeof buildApp>[1]>

function required (name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set: run the tests with npm test, which starts the test stack`)
  return value
}

export interface TestContext {
  /** the environment an app of this file starts with */
  env: Env
  /** builds one more app instance on this file's databases (instances share data) */
  build: (options?: BuildOptions) => Promise<App>
}

/** Creates this file's databases and removes them when the test ends. */
export async function testContext (t: Test): Promise<TestContext> {
  const run = required('HAVEN_TEST_RUN')
  const id = testDatabaseName(run, randomBytes(5).toString('hex'))
  const pgBase = required('DATABASE_URL')
  const databaseUrl = await createTestDatabase(pgBase, run, id)
  const mongoUrl = withDatabase(required('MONGODB_URL'), id)
  const redisPrefix = `t:${id}:`
  const onCluster = process.env.HAVEN_TEST_REDIS === 'cluster'
  if (onCluster) installSlotGuard()

  const mongo = new MongoClient(mongoUrl)
  await applyIndexes(mongo.db(), indexes)

  const env: Env = {
    NODE_ENV: 'test',
    HAVEN_ROLE: 'api',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    MONGODB_URL: mongoUrl,
    DATABASE_URL: databaseUrl,
    REDIS_URL: onCluster ? required('REDIS_CLUSTER_URL') : required('REDIS_URL'),
    REDIS_CLUSTER: String(onCluster),
    REDIS_KEY_PREFIX: redisPrefix,
    PG_POOL_MAX: '4',
    // The machine running the suite is busy by design (two cores, other suites beside this
    // one): start-up can take several times Fastify's 10 s per plugin, a server answers a
    // ping later than the probes' second (two late pings would shed every request), and a
    // query can wait longer than 2 s for one of the pool's four connections. Tests of those
    // limits set them. Down is still down: a refused connection fails at once.
    PLUGIN_TIMEOUT_MS: '120000',
    HEALTH_PROBE_TIMEOUT_MS: '10000',
    PG_CONNECT_TIMEOUT_MS: '30000',
    // A dashboard cached in-process lives longer than a test takes (5 s would end between two
    // reads of a busy machine); writes still invalidate it, which tests check. Tests of expiry set it.
    CACHE_L1_TTL_MS: '600000',
    // Only the load-shedding test sheds.
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
    PRESSURE_MAX_EVENT_LOOP_UTILIZATION: '0',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    // /metrics and /ops/ are the operator's: test/support/operator.ts sends this.
    OPS_TOKEN: randomBytes(32).toString('base64url'),
    // The cheapest argon2id the schema allows: tests hash many passwords.
    PASSWORD_HASH_MEMORY_KIB: '1024'
  }

  const apps: App[] = []
  const coverage: Array<() => Violation[]> = []
  t.teardown(async () => {
    // Every step runs whatever an earlier one threw: an app or client left open would keep the
    // file's process alive until tap's timeout, hiding the error that left it.
    const problems: string[] = []
    const step = async <T>(what: string, run: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await run()
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message}`)
        return undefined
      }
    }
    await step('closing the apps', () => Promise.all(apps.map((app) => app.close())))
    const violations = coverage.flatMap((violationsOf) => violationsOf())
    await step('dropping the MongoDB database', () => mongo.db().dropDatabase())
    await step('closing the MongoDB client', () => mongo.close())
    await step('dropping the PostgreSQL database', () => dropTestDatabase(pgBase, id))
    const crossSlot = await step('deleting the Redis keys', () => withRedis(env, async (redis) => {
      await deleteKeys(redis, redisPrefix)
      return redis instanceof Cluster ? await slotViolations(redis) : []
    })) ?? []
    // Every repository query of this file must be agency-scoped and index-served.
    if (violations.length > 0) {
      problems.push(`queries not served by a declared index, or not agency-scoped:\n${violations.map((v) => `  ${v.comment} ${JSON.stringify(v.shape)}: ${v.problem}`).join('\n')}`)
    }
    if (crossSlot.length > 0) {
      const shown = crossSlot.slice(0, 5).map((v) => `  ${v.what}: ${v.keys.map((key, i) => `${key} (slot ${v.slots[i]})`).join(', ')}`)
      if (crossSlot.length > shown.length) shown.push(`  … and ${crossSlot.length - shown.length} more`)
      problems.push(`Redis commands whose keys span hash slots (a Redis Cluster refuses them):\n${shown.join('\n')}`)
    }
    if (problems.length > 0) throw new Error(problems.join('\n'))
  })

  return {
    env,
    build: async (options = {}) => {
      const { env: overrides, ...haven } = options
      const app = await buildApp(loadConfig({ ...env, ...overrides }), haven)
      apps.push(app)
      coverage.push(recordQueryCoverage(app.mongo.client))
      recordResponses(app)
      await app.ready()
      // On this file's own Redis, tests expect it connected; on a busy machine that can take
      // longer than the boot's wait (the app then starts degraded). Tests that cut Redis give
      // their own REDIS_URL and get the app as it booted.
      if (overrides?.REDIS_URL === undefined) await redisConnected(app)
      return app
    }
  }
}

async function redisConnected (app: App): Promise<void> {
  await waitFor('Redis connected after the app started', () =>
    app.redis.status === 'ready' && (!(app.redis instanceof Cluster) || app.redis.nodes('master').every((node) => node.status === 'ready')),
  { context: () => `status ${app.redis.status}` })
}

/** One app on fresh databases: the common case. */
export async function build (t: Test, options: BuildOptions = {}): Promise<App> {
  const context = await testContext(t)
  return context.build(options)
}

/**
 * A client of this file's Redis (or Redis Cluster) without its key prefix, as patient as a
 * test's waits: on a busy machine a cluster answers CLUSTER SLOTS later than ioredis's 1 s.
 */
export async function withRedis<T> (env: Env, use: (redis: Redis | Cluster) => Promise<T>): Promise<T> {
  const target = redisTarget(loadConfig(env))
  const patient = { connectTimeout: PATIENCE_MS, commandTimeout: PATIENCE_MS }
  const redis = target.mode === 'cluster'
    ? new Cluster(target.nodes, { lazyConnect: true, slotsRefreshTimeout: PATIENCE_MS, redisOptions: patient })
    : new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 1, ...patient })
  try {
    await redis.connect()
    return await use(redis)
  } finally {
    redis.disconnect()
  }
}

async function deleteKeys (redis: Redis | Cluster, prefix: string): Promise<void> {
  // A cluster's keys are on its masters; one key per DEL there, since keys of several slots cannot share one.
  for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    for await (const keys of node.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length === 0) continue
      if (redis instanceof Cluster) await Promise.all(keys.map((key) => node.del(key)))
      else await node.del(...keys)
    }
  }
}
