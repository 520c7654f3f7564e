// npm run migrate: applies MongoDB indexes, our PostgreSQL migrations and
// graphile-worker's schema to the servers named by MONGODB_URL and DATABASE_URL.
// Safe to run from several processes at once and to run again.
import { MongoClient } from 'mongodb'
import { migrate, migrationPool, type MigrationReport } from '../migrations/index.ts'

export async function migrateUrls (mongoUrl: string, databaseUrl: string): Promise<MigrationReport> {
  const mongo = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 })
  const pool = migrationPool(databaseUrl)
  try {
    return await migrate(mongo.db(), pool)
  } finally {
    await Promise.all([mongo.close(), pool.end()])
  }
}

export function describeReport (report: MigrationReport): string {
  const { mongo, postgres } = report
  return [
    `mongodb indexes: ${mongo.created.length} created, ${mongo.rebuilt.length} rebuilt, ${mongo.unchanged.length} unchanged`,
    ...(mongo.undeclared.length > 0 ? [`  not declared (left in place): ${mongo.undeclared.join(', ')}`] : []),
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
  process.stdout.write(`${describeReport(await migrateUrls(MONGODB_URL, DATABASE_URL))}\n`)
}
