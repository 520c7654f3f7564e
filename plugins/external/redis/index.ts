// Redis (ioredis) for the cache, rate-limit counters and pub/sub: one server, or
// a Redis Cluster (REDIS_CLUSTER=true; the README's "Redis Cluster" lists the key
// patterns and their hash tags).
// Redis is an accelerator, not a dependency: a dead Redis must cost a request
// milliseconds, and the API starts (degraded) when Redis is down at boot, then
// reconnects in the background. @fastify/redis holds start-up until Redis
// answers, which is the opposite policy, and has no cluster client, so this
// small wrapper decorates the same `fastify.redis` name itself.
import fp from 'fastify-plugin'
import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import { redisTarget, type RedisClusterTarget, type RedisNode } from '../../../config.ts'
import { ClusterSubscriber, reconnectDelay, type RedisSubscriber } from './subscriber.ts'

export type RedisClient = Redis | Cluster
export type { RedisSubscriber } from './subscriber.ts'

declare module 'fastify' {
  interface FastifyInstance {
    redis: RedisClient
    /** PUBLISH (on a Redis Cluster SPUBLISH, to the channel's slot owner); the number of receivers there */
    redisPublish: (channel: string, message: string) => Promise<number>
    /** a connection of its own for subscribing, with 'ready' when (re)connected and 'close' when lost */
    redisSubscriber: () => RedisSubscriber
  }
}

const CONNECTION_NAME = 'haven-api'

export function redisOptions (opTimeoutMs: number, keyPrefix: string): RedisOptions {
  return {
    keyPrefix,
    connectTimeout: opTimeoutMs,
    commandTimeout: opTimeoutMs,
    // Fail commands at once while disconnected instead of queueing them.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep reconnecting forever, backing off to one attempt every 2 s.
    retryStrategy: reconnectDelay,
    connectionName: CONNECTION_NAME,
    // Commands issued in the same tick leave in one write: under load, every request's
    // rate-limit call would otherwise cost a socket write of its own.
    enableAutoPipelining: true
  }
}

/** The same policy for a Redis Cluster: fail fast, reconnect forever, auto-pipeline (one write per node). */
function clusterOptions (opTimeoutMs: number, keyPrefix: string, target: RedisClusterTarget): ClusterOptions {
  return {
    // Prepended before the slot is computed: a prefix without braces leaves each key's {tag} deciding it.
    keyPrefix,
    enableOfflineQueue: false,
    clusterRetryStrategy: reconnectDelay,
    // A command on a slot whose node is down, or while the cluster is down, fails at once
    // (the caller carries on without Redis) instead of waiting through retries.
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 0,
    // MOVED and ASK while slots move between nodes; each costs one more round trip.
    maxRedirections: 4,
    slotsRefreshTimeout: opTimeoutMs,
    // Picks up a failover or a resharding even when no command runs into it.
    slotsRefreshInterval: 5_000,
    natMap: target.natMap,
    enableAutoPipelining: true,
    redisOptions: {
      ...credentials(target),
      connectTimeout: opTimeoutMs,
      commandTimeout: opTimeoutMs,
      maxRetriesPerRequest: 0,
      connectionName: CONNECTION_NAME
    }
  }
}

function credentials (target: RedisClusterTarget): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  return {
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {})
  }
}

/** Where a cluster subscriber may connect first: the nodes the client knows now (addresses mapped), else the seeds. */
function clusterNodes (client: Cluster, target: RedisClusterTarget): RedisNode[] {
  const known = client.nodes('all').map(({ options }) => ({ host: options.host ?? '127.0.0.1', port: options.port ?? 6379 }))
  return known.length > 0 ? known : target.nodes
}

/**
 * ioredis opens a cluster node's connection at the first command sent to it and, with no
 * offline queue, refuses every other command for that node until it is open ("Connection is
 * closed"): a burst at start-up or after a topology change would fail for nothing. So once the
 * cluster is ready, each node's connection is opened as soon as the client learns of the node.
 * Not before: the client's own ready check (CLUSTER INFO) may go to any node, and is refused
 * by one caught connecting, which restarts the whole connection, again and again.
 */
function connectNodesEagerly (client: Cluster): void {
  const open = (node: Redis) => { if (client.status === 'ready' && node.status === 'wait') node.connect().catch(() => undefined) }
  client.on('+node', (node: Redis) => setImmediate(open, node))
  client.on('ready', () => { for (const node of client.nodes('all')) open(node) })
}

/** Resolves once every master's connection is open (the cluster client being ready). */
async function mastersConnected (client: Cluster): Promise<true> {
  await Promise.all(client.nodes('master').map((node) => node.status === 'ready'
    ? undefined
    : new Promise((resolve) => node.once('ready', resolve))))
  return true
}

/** Redis answers: PING on one server; on a cluster, a node says the cluster serves every slot. */
export async function pingRedis (client: RedisClient): Promise<void> {
  if (client instanceof Redis) {
    await client.ping()
    return
  }
  const info = String(await client.cluster('INFO'))
  if (!/^cluster_state:ok\s*$/m.test(info)) throw new Error(`Redis Cluster state: ${/^cluster_state:(\S+)/m.exec(info)?.[1] ?? 'unknown'}`)
}

export default fp<{ offline?: boolean }>(async function redis (fastify, opts) {
  const { CACHE_OP_TIMEOUT_MS, REDIS_KEY_PREFIX } = fastify.config
  const target = redisTarget(fastify.config)
  const lazyConnect = opts.offline === true
  const client: RedisClient = target.mode === 'cluster'
    ? new Cluster(target.nodes, { ...clusterOptions(CACHE_OP_TIMEOUT_MS, REDIS_KEY_PREFIX, target), lazyConnect })
    : new Redis(target.url, { ...redisOptions(CACHE_OP_TIMEOUT_MS, REDIS_KEY_PREFIX), lazyConnect })

  // Without a listener ioredis reports every failed reconnect as an unhandled error;
  // log the transitions, not each attempt.
  let up = false
  client.on('error', (err: Error) => {
    if (up) fastify.log.warn({ err }, 'Redis connection error')
  })
  client.on('ready', () => {
    up = true
    fastify.log.info(target.mode === 'cluster' ? 'Redis Cluster ready' : 'Redis ready')
  })
  client.on('close', () => {
    if (up) fastify.log.warn('Redis connection lost; serving without it until it returns')
    up = false
  })

  if (client instanceof Cluster) connectNodesEagerly(client)
  const ready = lazyConnect || await Promise.race([
    new Promise<boolean>((resolve) => client.once('ready', () => resolve(true)))
      .then(async () => client instanceof Cluster ? await mastersConnected(client) : true),
    sleep(CACHE_OP_TIMEOUT_MS, false, { ref: false })
  ])
  if (!ready) fastify.log.warn('Redis unreachable at start-up; starting degraded and reconnecting in the background')

  fastify.decorate<RedisClient>('redis', client)
  if (client instanceof Cluster && target.mode === 'cluster') {
    // Sharded pub/sub (subscriber.ts): the channel lives on its slot's node.
    fastify.decorate('redisPublish', async (channel: string, message: string) => Number(await client.spublish(channel, message)))
    fastify.decorate('redisSubscriber', (): RedisSubscriber => new ClusterSubscriber({
      nodes: () => clusterNodes(client, target),
      reach: (node) => target.natMap[`${node.host}:${node.port}`] ?? node,
      keyPrefix: REDIS_KEY_PREFIX,
      connection: { ...credentials(target), connectTimeout: CACHE_OP_TIMEOUT_MS, commandTimeout: CACHE_OP_TIMEOUT_MS, connectionName: `${CONNECTION_NAME}-subscriber` }
    }))
  } else {
    const single = client as Redis
    fastify.decorate('redisPublish', (channel: string, message: string) => single.publish(channel, message))
    fastify.decorate('redisSubscriber', (): RedisSubscriber => single.duplicate())
  }
  fastify.addHook('onClose', async () => {
    // quit() lets pending replies arrive; a connection that drops meanwhile is closed anyway.
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
    else client.disconnect()
  })
}, { name: 'redis' })
