import { test } from 'tap'
import { build } from '../helper.ts'
import { RedisTier, type Cached } from '../../plugins/app/dashboard-cache/redis-tier.ts'

const value = (startedAt: number): Cached => ({ body: `{"at":${startedAt}}`, etag: `"${startedAt}"`, startedAt })

test('the Redis tier never keeps figures computed before the last write, nor lets an older write undo a newer one', async (t) => {
  const app = await build(t)
  const tier = new RedisTier(app.redis, 60_000)
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
  t.ok(await app.redis.pttl(`dashboard:${agency}`) > 0, 'the hash expires')
})
