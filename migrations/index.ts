// One entry point for every schema change: MongoDB indexes, our PostgreSQL
// tables, and graphile-worker's own schema.
import path from 'node:path'
import type { Db } from 'mongodb'
import pg from 'pg'
import { Logger, runMigrations } from 'graphile-worker'
import { applyIndexes, type IndexReport } from './mongo/apply.ts'
import { indexes } from './mongo/indexes.ts'
import { applyShardKeys, clusterIndexes, isShardedCluster, type ShardReport } from './mongo/shard.ts'
import { applySqlMigrations } from './postgres/apply.ts'

export interface MigrationReport { mongo: IndexReport, postgres: string[], sharding?: ShardReport }

const silent = new Logger(() => () => undefined)

/** A small pool for migration runs; its queries report their own errors. */
export function migrationPool (databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  pool.on('error', () => undefined)
  pool.on('connect', (client) => client.on('error', () => undefined))
  return pool
}

export async function migratePostgres (pool: pg.Pool): Promise<string[]> {
  const applied = await applySqlMigrations(pool, path.join(import.meta.dirname, 'postgres'))
  await runMigrations({ pgPool: pool, logger: silent })
  return applied
}

export interface MigrateOptions {
  /**
   * HAVEN_UNOPTIMISED, the benchmark baseline: leave only the _id indexes, dropping the
   * secondary ones (a later normal migration recreates them).
   */
  unoptimised?: boolean
}

export async function migrate (db: Db, pool: pg.Pool, options: MigrateOptions = {}): Promise<MigrationReport> {
  const cluster = await isShardedCluster(db)
  const mongo = options.unoptimised === true ? await dropSecondaryIndexes(db) : await applyIndexes(db, cluster ? clusterIndexes() : indexes)
  // After the indexes: a shard key needs an index that starts with it.
  const sharding = options.unoptimised === true ? undefined : await applyShardKeys(db, cluster)
  const postgres = await migratePostgres(pool)
  return { mongo, postgres, ...(sharding === undefined ? {} : { sharding }) }
}

async function dropSecondaryIndexes (db: Db): Promise<IndexReport> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name))
  for (const name of Object.keys(indexes)) if (existing.has(name)) await db.collection(name).dropIndexes()
  return { created: [], rebuilt: [], unchanged: [], undeclared: [] }
}
