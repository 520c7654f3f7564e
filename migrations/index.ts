// One entry point for every schema change: MongoDB indexes, our PostgreSQL
// tables, and graphile-worker's own schema.
import path from 'node:path'
import type { Db } from 'mongodb'
import pg from 'pg'
import { Logger, runMigrations } from 'graphile-worker'
import { applyIndexes, type IndexReport } from './mongo/apply.ts'
import { indexes } from './mongo/indexes.ts'
import { backfillImportKeys, type ImportKeyReport } from './mongo/import-keys.ts'
import { migrateLedgers, type LedgerMigrationReport } from './mongo/ledger-carried.ts'
import { applyShardKeys, clusterIndexes, isShardedCluster, type ShardReport } from './mongo/shard.ts'
import { applySqlMigrations, pendingSqlMigrations } from './postgres/apply.ts'
import { compareIndexes, describeDrift } from './mongo/drift.ts'

export interface MigrationReport { mongo: IndexReport, importKeys: ImportKeyReport, ledgers: LedgerMigrationReport, postgres: string[], sharding?: ShardReport }

const silent = new Logger(() => () => undefined)

/** A small pool for migration runs; its queries report their own errors. */
export function migrationPool (databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  pool.on('error', () => undefined)
  pool.on('connect', (client) => client.on('error', () => undefined))
  return pool
}

const SQL_DIR = path.join(import.meta.dirname, 'postgres')

export async function migratePostgres (pool: pg.Pool): Promise<string[]> {
  const applied = await applySqlMigrations(pool, SQL_DIR)
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
  // Before the indexes: the unique import-key index needs every document to hold a key.
  const importKeys = await backfillImportKeys(db)
  const mongo = options.unoptimised === true ? await dropSecondaryIndexes(db) : await applyIndexes(db, cluster ? clusterIndexes() : indexes)
  // After the indexes: a shard key needs an index that starts with it.
  const sharding = options.unoptimised === true ? undefined : await applyShardKeys(db, cluster)
  const ledgers = await migrateLedgers(db)
  const postgres = await migratePostgres(pool)
  return { mongo, importKeys, ledgers, postgres, ...(sharding === undefined ? {} : { sharding }) }
}

async function dropSecondaryIndexes (db: Db): Promise<IndexReport> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name))
  for (const name of Object.keys(indexes)) if (existing.has(name)) await db.collection(name).dropIndexes()
  return { created: [], rebuilt: [], unchanged: [], undeclared: [] }
}

/**
 * What a migration would change, without changing anything: MongoDB indexes missing,
 * different from their declaration or not declared, and SQL files not applied yet.
 */
export async function migrationDrift (db: Db, pool: pg.Pool): Promise<string[]> {
  const [collections, pending] = await Promise.all([compareIndexes(db, indexes, 30_000), pendingSqlMigrations(pool, SQL_DIR)])
  return [...describeDrift(collections), ...pending.map((file) => `postgres: ${file} not applied`)]
}
