// Per-test-file databases. PostgreSQL files clone a template migrated once per run
// (CREATE DATABASE … TEMPLATE copies files: milliseconds instead of a migration);
// MongoDB databases are simply named per file and dropped afterwards.
import pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import { migratePostgres, migrationPool } from '../../migrations/index.ts'

export const TEMPLATE_DB = 'haven_test_template'
export const TEST_DB_PREFIX = 'haven_t_'

export function withDatabase (url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

async function withAdmin<T> (url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Recreates the template database with our tables and graphile-worker's schema. */
export async function prepareTemplate (url: string): Promise<void> {
  await withAdmin(url, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`)
  })
  const pool = migrationPool(withDatabase(url, TEMPLATE_DB))
  try {
    await migratePostgres(pool)
  } finally {
    await pool.end()
  }
}

export async function dropLeftoverDatabases (url: string): Promise<void> {
  await withAdmin(url, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [TEST_DB_PREFIX])
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
  })
}

const TEMPLATE_BUSY = '55006' // object_in_use: another clone of the template is running

export async function createTestDatabase (url: string, name: string): Promise<string> {
  await withAdmin(url, async (admin) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE ${TEMPLATE_DB}`)
        return
      } catch (err) {
        if ((err as { code?: string }).code !== TEMPLATE_BUSY || attempt >= 50) throw err
        await sleep(20 + Math.random() * 80)
      }
    }
  })
  return withDatabase(url, name)
}

export async function dropTestDatabase (url: string, name: string): Promise<void> {
  await withAdmin(url, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
}
