// One entry point for every schema change: MongoDB indexes, our PostgreSQL
// tables, and graphile-worker's own schema.
import path from 'node:path'
import type { Db } from 'mongodb'
import type { Pool } from 'pg'
import { runMigrations } from 'graphile-worker'
import { applyIndexes, type IndexReport } from './mongo/apply.ts'
import { indexes } from './mongo/indexes.ts'
import { applySqlMigrations } from './postgres/apply.ts'

export interface MigrationReport { mongo: IndexReport, postgres: string[] }

export async function migrate (db: Db, pool: Pool): Promise<MigrationReport> {
  const mongo = await applyIndexes(db, indexes)
  const postgres = await applySqlMigrations(pool, path.join(import.meta.dirname, 'postgres'))
  await runMigrations({ pgPool: pool })
  return { mongo, postgres }
}
