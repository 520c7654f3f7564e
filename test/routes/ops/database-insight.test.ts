// GET /ops/indexes and `npm run migrate -- --check`: declared indexes against the
// database; GET /ops/pools: the connection pools.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { build, testContext, type App } from '../../helper.ts'
import { operatorHeaders } from '../../support/operator.ts'
import { signup } from '../../support/session.ts'

const root = path.resolve(import.meta.dirname, '..', '..', '..')

async function get (app: App, url: string) {
  const response = await app.inject({ method: 'GET', url, headers: operatorHeaders(app) })
  if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`)
  return response.json()
}

async function migrateCheck (env: Record<string, string | undefined>): Promise<{ code: number | null, output: string }> {
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'migrate.ts'), '--check'], {
    env: { PATH: process.env.PATH, MONGODB_URL: env.MONGODB_URL, DATABASE_URL: env.DATABASE_URL },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { code, output }
}

test('declared indexes against the database, with their use; migrate --check fails on drift', async (t) => {
  const context = await testContext(t)
  const app = await context.build()
  const clean = await get(app, '/ops/indexes')
  t.same(clean.drift, [], 'the test database is migrated: no drift')
  const units = clean.collections.find((c: { collection: string }) => c.collection === 'units')
  t.ok(units.declared.length >= 5 && units.declared.every((index: { state: string }) => index.state === 'present'), 'every declared units index is present')
  t.ok(units.declared.every((index: { usage: unknown }) => index.usage !== null), '$indexStats reports each one\'s use')
  t.same(units.undeclared, [])
  t.same(await migrateCheck(context.env), { code: 0, output: 'migrations: no drift\n' })

  const db = app.mongo.db!
  await db.collection('units').createIndex({ label: 1 }, { name: 'label_by_hand' })
  // A name no other collection's index has (mongo-java-server drops an index by name in every collection).
  await db.collection('units').dropIndex('agencyId_1_propertyId_1_label_1')
  const drifted = await get(app, '/ops/indexes')
  t.same(drifted.drift, ['units.agencyId_1_propertyId_1_label_1: declared, missing', 'units.label_by_hand: present, not declared'])
  t.ok(drifted.collections.find((c: { collection: string }) => c.collection === 'units').unused.includes('label_by_hand'), 'a new index is unused')
  const checked = await migrateCheck(context.env)
  t.equal(checked.code, 1, 'migrate --check exits 1 on drift')
  t.match(checked.output, /migrations: 2 drifts\n {2}units\.agencyId_1_propertyId_1_label_1: declared, missing\n {2}units\.label_by_hand: present, not declared/)

  await db.collection('units').dropIndex('label_by_hand')
  await db.collection('units').createIndex({ agencyId: 1, propertyId: 1, label: 1 }, { unique: true })
  t.same((await migrateCheck(context.env)).code, 0, 'repaired: no drift')
})

test('the pools: MongoDB per server, PostgreSQL and Redis, and MongoDB waits per minute', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Pooled Lettings')
  await Promise.all(Array.from({ length: 10 }, () => owner.get('/v1/properties')))
  await app.opsReport.flush()
  const pools = await get(app, '/ops/pools')
  t.equal(pools.instance, app.opsReport.instance)
  t.equal(pools.mongodb.maxPoolSize, app.config.MONGODB_MAX_POOL_SIZE)
  t.ok(pools.mongodb.servers.length === 1 && pools.mongodb.servers[0].open >= 1, 'one server, connections open')
  t.equal(pools.mongodb.servers[0].waiting, 0, 'nobody waits now')
  t.equal(pools.mongodb.probe.status, 'up')
  t.equal(pools.postgres.max, 4)
  t.ok(pools.postgres.total >= 1)
  t.equal(pools.redis.status, 'ready')
  t.equal(pools.redis.cacheBreaker, 'closed')
  // This minute, and the one before if the clock-aligned flush ran in between.
  t.ok(pools.history.length >= 1 && pools.history.length <= 2, 'the minutes this instance saw')
  const checkouts = pools.history.reduce((sum: number, minute: { mongoCheckouts: number }) => sum + minute.mongoCheckouts, 0)
  t.ok(checkouts >= 10, `check-outs counted (${checkouts})`)
})
