import { test } from 'tap'
import { mkdtemp, writeFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { build } from '../helper.ts'
import { applySqlMigrations } from '../../migrations/postgres/apply.ts'

test('numbered SQL migrations apply once, in order, even from two processes at once', async (t) => {
  const app = await build(t)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'haven-migrations-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(path.join(dir, '001_first.sql'), 'CREATE TABLE mig_first (id int PRIMARY KEY);')
  await writeFile(path.join(dir, '002_second.sql'), 'INSERT INTO mig_first VALUES (1);')
  await writeFile(path.join(dir, 'notes.txt'), 'not a migration')

  const pool = app.pg.pool
  const [a, b] = await Promise.all([applySqlMigrations(pool, dir), applySqlMigrations(pool, dir)])
  t.same([...a, ...b].sort(), ['001_first.sql', '002_second.sql'], 'each file applied exactly once across both runs')
  t.same(await applySqlMigrations(pool, dir), [], 'a third run has nothing to do')
  const { rows } = await app.pg.query<{ id: number }>('SELECT id FROM mig_first')
  t.same(rows, [{ id: 1 }], 'the data migration ran once')

  await writeFile(path.join(dir, '003_broken.sql'), 'CREATE TABLE mig_partial (id int); SELECT no_such_function();')
  await t.rejects(applySqlMigrations(pool, dir), /migration 003_broken.sql failed/)
  const partial = await app.pg.query("SELECT to_regclass('mig_partial') AS t")
  t.equal(partial.rows[0].t, null, 'a failed migration leaves nothing behind')
  // The template database already holds the project's own migrations; these are the test's.
  const recorded = await app.pg.query<{ id: string }>("SELECT id FROM haven_migrations WHERE id IN ('001_first.sql', '002_second.sql', '003_broken.sql') ORDER BY id")
  t.same(recorded.rows.map((row) => row.id), ['001_first.sql', '002_second.sql'])
})
