// Applies numbered SQL files (NNN_name.sql) in order, each once, each in its own
// transaction. A session advisory lock serialises concurrent runs (two processes
// starting together), and the second finds the work done.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Pool } from 'pg'

const LOCK_KEY = 7_240_311 // arbitrary, fixed: "haven migrations"
const FILE_PATTERN = /^\d{3,}_[a-z0-9_]+\.sql$/

async function migrationFiles (dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => FILE_PATTERN.test(name)).sort()
}

/** The files not applied yet (all of them on a database never migrated). */
export async function pendingSqlMigrations (pool: Pool, dir: string): Promise<string[]> {
  const { rows } = await pool.query<{ done: string[] | null }>(
    "SELECT CASE WHEN to_regclass('haven_migrations') IS NULL THEN NULL ELSE (SELECT array_agg(id) FROM haven_migrations) END AS done")
  const done = new Set(rows[0]?.done ?? [])
  return (await migrationFiles(dir)).filter((file) => !done.has(file))
}

export async function applySqlMigrations (pool: Pool, dir: string): Promise<string[]> {
  const files = await migrationFiles(dir)
  const client = await pool.connect()
  const applied: string[] = []
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY])
    await client.query('CREATE TABLE IF NOT EXISTS haven_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
    const { rows } = await client.query<{ id: string }>('SELECT id FROM haven_migrations')
    const done = new Set(rows.map((row) => row.id))
    for (const file of files) {
      if (done.has(file)) continue
      const sql = await readFile(path.join(dir, file), 'utf8')
      try {
        await client.query('BEGIN')
        await client.query(sql)
        await client.query('INSERT INTO haven_migrations (id) VALUES ($1)', [file])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK')
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err })
      }
      applied.push(file)
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined)
    client.release()
  }
  return applied
}
