// npm run migrate: applies MongoDB indexes, our PostgreSQL migrations and
// graphile-worker's schema to the servers named by MONGODB_URL and DATABASE_URL.
// Safe to run from several processes at once and to run again.
// npm run migrate -- --check changes nothing: it lists the drift (indexes missing,
// different or undeclared; SQL files not applied) and exits 1 if there is any.
import { MongoClient, type Db } from 'mongodb'
import type pg from 'pg'
import { migrate, migrationDrift, migrationPool, type MigrationReport } from '../migrations/index.ts'

async function withServers<T> (mongoUrl: string, databaseUrl: string, use: (db: Db, pool: pg.Pool) => Promise<T>): Promise<T> {
  const mongo = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 })
  const pool = migrationPool(databaseUrl)
  try {
    return await use(mongo.db(), pool)
  } finally {
    await Promise.all([mongo.close(), pool.end()])
  }
}

export async function migrateUrls (mongoUrl: string, databaseUrl: string): Promise<MigrationReport> {
  return await withServers(mongoUrl, databaseUrl, (db, pool) => migrate(db, pool))
}

export async function checkUrls (mongoUrl: string, databaseUrl: string): Promise<string[]> {
  return await withServers(mongoUrl, databaseUrl, migrationDrift)
}

export function describeReport (report: MigrationReport): string {
  const { mongo, importKeys, ledgers, postgres } = report
  return [
    `mongodb indexes: ${mongo.created.length} created, ${mongo.rebuilt.length} rebuilt, ${mongo.unchanged.length} unchanged`,
    ...(mongo.undeclared.length > 0 ? [`  not declared (left in place): ${mongo.undeclared.join(', ')}`] : []),
    ...(importKeys.keyed > 0 ? [`import keys: ${importKeys.keyed} properties and tenants given theirs`] : []),
    `ledgers: ${ledgers.carried} given a carried balance, ${ledgers.folded} long histories folded` + (ledgers.leftDirty > 0 ? `, ${ledgers.leftDirty} left to the repair job (they fold at their next change)` : ''),
    `postgres: ${postgres.length === 0 ? 'up to date' : `applied ${postgres.join(', ')}`}; graphile-worker schema up to date`,
    ...(report.sharding === undefined ? [] : [report.sharding.cluster
      ? `mongodb sharding: ${report.sharding.sharded.length} collections sharded by their declared keys, unsharded: ${report.sharding.unsharded.join(', ')}`
      : 'mongodb sharding: not a sharded cluster (shard keys apply through mongos)'])
  ].join('\n')
}

if (import.meta.main) {
  const { MONGODB_URL, DATABASE_URL } = process.env
  if (MONGODB_URL === undefined || DATABASE_URL === undefined) {
    process.stderr.write('migrate: set MONGODB_URL and DATABASE_URL (npm run dev migrates the local stack itself)\n')
    process.exit(78)
  }
  if (process.argv.includes('--check')) {
    const drift = await checkUrls(MONGODB_URL, DATABASE_URL)
    process.stdout.write(drift.length === 0 ? 'migrations: no drift\n' : `migrations: ${drift.length} drift${drift.length === 1 ? '' : 's'}\n${drift.map((line) => `  ${line}`).join('\n')}\n`)
    process.exit(drift.length === 0 ? 0 : 1)
  }
  process.stdout.write(`${describeReport(await migrateUrls(MONGODB_URL, DATABASE_URL))}\n`)
}
