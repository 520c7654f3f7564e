// Pub/sub on a Redis Cluster (plugins/external/redis/subscriber.ts): a
// subscriber ends up on its channel's node (where SPUBLISH delivers before it
// answers), says 'close' when that node becomes unreachable and 'ready' when it
// is back, and another node going away does not disturb it.
process.env.HAVEN_TEST_REDIS = 'cluster'
const { test } = await import('tap')
const { testContext } = await import('../helper.ts')
const { redisProxy } = await import('../support/redis-proxy.ts')
const { waitFor } = await import('../support/wait-for.ts')

test('a cluster subscriber follows its channel\'s node, and says when it loses and regains it', async (t) => {
  const context = await testContext(t)
  const proxy = await redisProxy(context.env)
  t.teardown(() => proxy.close())
  const app = await context.build({ env: { ...proxy.env, CACHE_OP_TIMEOUT_MS: '300' } })
  const publisher = await context.build()
  const channel = 'subscriber-test'

  const events: string[] = []
  const received: string[] = []
  const subscriber = app.redisSubscriber()
  t.teardown(() => subscriber.disconnect())
  subscriber.on('error', () => undefined)
  subscriber.on('close', () => events.push('close'))
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(() => events.push('subscribed'), () => undefined)
  })
  subscriber.on('message', (_channel, message) => received.push(message))

  /** Publishes until the subscriber has the message. */
  const delivered = async (message: string): Promise<boolean> => await waitFor(`"${message}" delivered`, async () => {
    await publisher.redisPublish(channel, message).catch(() => 0)
    return received.includes(message)
  })
  t.ok(await delivered('first'), 'subscribed on the channel\'s node, after following MOVED there if it started elsewhere')
  t.equal(await publisher.redisPublish(channel, 'counted'), 1, 'SPUBLISH found the subscriber on the channel\'s node: it delivers there before it answers')

  // The channel's node, as the nodes announce themselves (each has its proxy).
  const slot = Number(await publisher.redis.cluster('KEYSLOT', `${app.config.REDIS_KEY_PREFIX}${channel}`))
  const ranges = await publisher.redis.cluster('SLOTS')
  const ownerPort = ranges.find(([first, last]) => first <= slot && slot <= last)?.[2]?.[1]
  const owner = proxy.nodes.find((node) => node.port === ownerPort)!
  const other = proxy.nodes.find((node) => node.port !== ownerPort)!

  // (A first connection to another node closed when MOVED sent the subscriber on.)
  const count = (event: string) => events.filter((seen) => seen === event).length
  const closes = count('close')
  other.proxy.cut()
  t.ok(await delivered('another node away'), 'another node going away changes nothing')
  t.equal(count('close'), closes, 'no close')
  other.proxy.restore()

  const subscriptions = count('subscribed')
  owner.proxy.cut()
  await waitFor('the subscriber to say it lost its node', () => count('close') > closes)
  t.equal(count('close'), closes + 1, 'its node unreachable: the subscriber says so')
  owner.proxy.restore()
  t.ok(await delivered('back'), 'messages arrive again once the node is back')
  t.ok(count('subscribed') > subscriptions, 'after it said ready and was subscribed again')
})
