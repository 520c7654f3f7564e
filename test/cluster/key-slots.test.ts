// Haven on a Redis Cluster: the keys it uses together share a hash slot,
// whatever the key prefix, and the slot guard the cluster tests rely on
// (support/slot-guard.ts) really catches a command that spans slots.
process.env.HAVEN_TEST_REDIS = 'cluster'
const { test } = await import('tap')
const { Cluster } = await import('ioredis')
const { build } = await import('../helper.ts')
const { loginKeys } = await import('../../plugins/app/login-throttle/index.ts')
const { l2Key } = await import('../../plugins/app/dashboard-cache/redis-tier.ts')
const { slotViolations } = await import('../support/slot-guard.ts')

type App = Awaited<ReturnType<typeof build>>
/** The slot the cluster gives a key this app sends (its prefix included). */
const slotOf = async (app: App, key: string) => Number(await app.redis.cluster('KEYSLOT', `${app.config.REDIS_KEY_PREFIX}${key}`))

test('every group of keys Haven uses together hashes to one slot', async (t) => {
  const app = await build(t)
  t.ok(app.redis instanceof Cluster, 'the app runs on the Redis Cluster')

  const names = ['owner@example.com', 'ÉLODIE@exemple.fr', 'a'.repeat(300), '{braces}@example.com']
  const addresses = ['10.1.2.3', '2001:db8::1', '::ffff:192.0.2.7']
  const seen = new Set<number>()
  for (const name of names) {
    for (const address of addresses) {
      const keys = Object.values(loginKeys(name, address))
      const slots = new Set(await Promise.all(keys.map((key) => slotOf(app, key))))
      t.equal(slots.size, 1, `the login throttle's keys of ${name.slice(0, 20)} from ${address}: one slot`)
      for (const slot of slots) seen.add(slot)
    }
  }
  t.equal(seen.size, names.length, 'and each name has a slot of its own: the names spread over the cluster')

  const agency = '6a1f00000000000000000001'
  t.equal(await slotOf(app, l2Key(agency)), Number(await app.redis.cluster('KEYSLOT', agency)), 'an agency\'s dashboard hash sits on the agency\'s slot: the prefix before the tag changes nothing')
})

test('the slot guard catches a transaction over two slots, and lets one-slot work and auto-pipelines pass', async (t) => {
  const app = await build(t)
  const [a, b] = ['{agency-a}:x', '{agency-b}:x']
  // On different nodes, so ioredis itself refuses the transaction below: the server never sees it
  // (a CROSSSLOT answer would fail npm test, which counts them).
  const ranges = await app.redis.cluster('SLOTS')
  const ownerOf = (slot: number) => ranges.find(([first, last]) => first <= slot && slot <= last)?.[2]?.[1]
  t.not(ownerOf(await slotOf(app, a)), ownerOf(await slotOf(app, b)), 'two slots on two nodes')

  await app.redis.multi().incr('{agency-a}:x').incr('{agency-a}:y').exec()
  await Promise.all([app.redis.incr(a), app.redis.incr(b)])
  const clean = await slotViolations(app.redis as InstanceType<typeof Cluster>)
  t.same(clean, [], 'one slot per transaction, independent commands batched per node by ioredis')

  await app.redis.multi().incr(a).incr(b).exec().catch(() => undefined)
  const caught = await slotViolations(app.redis as InstanceType<typeof Cluster>)
  t.equal(caught.length, 1, 'the transaction over two slots is caught (whether ioredis or the server refused it)')
  t.match(caught[0]?.what, /^MULTI of incr, incr$/)
  t.same(caught[0]?.keys, [a, b].map((key) => `${app.config.REDIS_KEY_PREFIX}${key}`))
})
