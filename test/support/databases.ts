// Per-test-file databases. PostgreSQL files clone a template migrated once per run
// (CREATE DATABASE … TEMPLATE copies files: milliseconds instead of a migration);
// MongoDB databases are simply named per file and dropped afterwards.
// Every name carries the test run's id (the runner's pid), so several runs can
// share one server, and a crashed run's leftovers are recognised and dropped.
import pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import { migratePostgres, migrationPool } from '../../migrations/index.ts'
import { waitFor } from './wait-for.ts'

const TEST_DB_PREFIX = 'haven_t_'

export function templateName (run: string): string {
  return `${TEST_DB_PREFIX}${run}_template`
}

export function testDatabaseName (run: string, id: string): string {
  return `${TEST_DB_PREFIX}${run}_${id}`
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM'
  }
}

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

/** Creates this run's template database with our tables and graphile-worker's schema. */
export async function prepareTemplate (url: string, run: string): Promise<void> {
  const template = templateName(run)
  await withAdmin(url, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`)
    await admin.query(`CREATE DATABASE "${template}"`)
  })
  const pool = migrationPool(withDatabase(url, template))
  try {
    await migratePostgres(pool)
  } finally {
    await pool.end()
  }
}

/** Drops the databases of runs whose process is gone (crashed or killed runs). */
export async function dropLeftoverDatabases (url: string): Promise<void> {
  await withAdmin(url, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [TEST_DB_PREFIX])
    for (const { datname } of rows) {
      const pid = Number(datname.slice(TEST_DB_PREFIX.length).split('_')[0])
      if (!Number.isInteger(pid) || !isAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
    }
  })
}

export async function dropTemplate (url: string, run: string): Promise<void> {
  await withAdmin(url, (admin) => admin.query(`DROP DATABASE IF EXISTS "${templateName(run)}" WITH (FORCE)`))
}

const TEMPLATE_BUSY = '55006' // object_in_use: another clone of the template is running

export async function createTestDatabase (url: string, run: string, name: string): Promise<string> {
  await withAdmin(url, async (admin) => {
    // Files starting together take turns; on a busy machine one clone can take seconds.
    await waitFor(`a turn to clone the template into ${name}`, async () => {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName(run)}"`)
        return true
      } catch (err) {
        if ((err as { code?: string }).code !== TEMPLATE_BUSY) throw err
        await sleep(Math.random() * 80) // apart, so the waiting files do not all retry at once
        return false
      }
    })
  })
  return withDatabase(url, name)
}

export async function dropTestDatabase (url: string, name: string): Promise<void> {
  await withAdmin(url, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
}
