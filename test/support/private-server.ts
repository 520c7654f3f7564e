// A private instance of Redis, PostgreSQL or the MongoDB-compatible server, started by the
// stack's own launchers (scripts/stack) in a temporary folder on a free port, for a fault test
// that stops and restarts it. Never the shared test stack's servers: other test files run on
// them in parallel. The folder goes when the test ends, with the server.
import type { Test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '../../bench/servers/process.ts'
import { mongo } from '../../scripts/stack/mongo.ts'
import { postgres } from '../../scripts/stack/postgres.ts'
import { cacheDir, type Profile, type StackLayout } from '../../scripts/stack/profile.ts'
import { redis } from '../../scripts/stack/redis.ts'
import { ensureRunning, stopService, type Service } from '../../scripts/stack/service.ts'

export interface PrivateServer {
  /** the server's URL (database "haven" for MongoDB and PostgreSQL) */
  url: string
  stop: () => Promise<void>
  start: () => Promise<void>
}

const SERVICES = { redis, postgres, mongo } satisfies Record<string, Service>

/**
 * profile: 'dev' keeps data across a restart (Redis snapshots, MongoDB on an H2 file),
 * 'test' keeps it in memory (mongo) or without durability (PostgreSQL, Redis).
 */
export async function privateServer (t: Test, kind: keyof typeof SERVICES, profile: Profile = 'test'): Promise<PrivateServer> {
  const service = SERVICES[kind]
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `haven-fault-${kind}-`))
  const port = await freePort()
  const layout: StackLayout = {
    profile,
    dataDir,
    logDir: path.join(dataDir, 'logs'),
    cacheDir: cacheDir(),
    ports: { mongo: port, postgres: port, redis: port, redisCluster: port, redisClusterBus: port }
  }
  await ensureRunning(service, layout)
  t.teardown(async () => {
    await stopService(service, layout)
    await rm(dataDir, { recursive: true, force: true })
  })
  return {
    url: service.url(layout),
    stop: async () => { await stopService(service, layout) },
    start: async () => { await ensureRunning(service, layout) }
  }
}
