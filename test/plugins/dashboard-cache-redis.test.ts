import { test } from 'tap'
import { build } from '../helper.ts'
import { l2Key, RedisTier, type Cached } from '../../plugins/app/dashboard-cache/redis-tier.ts'

const value = (startedAt: number): Cached => ({ body: `{"at":${startedAt}}`, etag: `"${startedAt}"`, startedAt })

test('the Redis tier never keeps figures computed before the last write, nor lets an older write undo a newer one', async (t) => {
  const app = await build(t)
  const tier = new RedisTier(app.redis, { keepMs: 60_000, maxEntries: 16 })
  const agency = 'aaaaaaaaaaaaaaaaaaaaaaaa'

  t.equal(await tier.store(agency, 'v', value(100)), true, 'a store with no write before it is kept')
  await tier.replace(agency, 200, [{ variant: 'v', value: value(205) }])
  t.same(await tier.get(agency, 'v'), value(205), 'a write replaces the variant with its recomputation')

  t.equal(await tier.store(agency, 'v', value(150)), false, 'a computation that started before the write is refused')
  t.equal(await tier.store(agency, 'other', value(150)), false, 'for every variant')
  t.equal(await tier.get(agency, 'other'), null)

  await tier.replace(agency, 180, [{ variant: 'v', value: value(185) }])
  t.same(await tier.get(agency, 'v'), value(205), 'an older write arriving late changes nothing')

  await tier.replace(agency, 300, [])
  t.equal(await tier.get(agency, 'v'), null, 'a write with nothing recomputed drops every variant')
  t.equal(await tier.store(agency, 'v', value(300)), true, 'a computation from the write on is kept')
  t.ok(await app.redis.pttl(l2Key(agency)) > 0, 'the hash expires')
})

test('an agency holds at most its quota of variants in Redis; past it only its own oldest goes', async (t) => {
  const app = await build(t)
  const dropped: number[] = []
  const tier = new RedisTier(app.redis, { keepMs: 60_000, maxEntries: 3, onEvict: (n) => dropped.push(n) })
  const [flooding, quiet] = ['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb']
  t.equal(await tier.store(quiet, 'v', value(50)), true)
  await tier.replace(flooding, 90, [])
  for (let i = 0; i < 10; i++) t.equal(await tier.store(flooding, `v${i}`, value(100 + i)), true, `variant ${i} is stored`)
  t.equal(await app.redis.hlen(l2Key(flooding)), 3 + 1, 'three variants (and the write stamp)')
  t.same(await Promise.all(['v7', 'v8', 'v9'].map((v) => tier.get(flooding, v))), [value(107), value(108), value(109)], 'the newest three')
  t.equal(await tier.get(flooding, 'v0'), null, 'the oldest went')
  t.equal(dropped.reduce((a, b) => a + b, 0), 7, 'seven were dropped for room, and counted')
  t.same(await tier.get(quiet, 'v'), value(50), 'another agency\'s entry is untouched')
  t.equal(await tier.store(flooding, 'v9', value(120)), true, 'replacing a held variant drops nothing')
  t.equal(dropped.reduce((a, b) => a + b, 0), 7)
  t.equal(l2Key(flooding), `dashboard:{${flooding}}`, 'the agency is the key\'s Redis Cluster hash tag')
})
