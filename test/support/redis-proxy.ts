// Redis behind TCP proxies, so a test can make it unreachable and reachable again
// without stopping it for every other test file. A single Redis needs one proxy.
// A Redis Cluster needs one per node: its client connects to the addresses the
// nodes announce, so each announced address is mapped to its node's proxy
// (REDIS_CLUSTER_NAT_MAP, ioredis's natMap) and every connection passes a proxy.
import type { Cluster } from 'ioredis'
import { withRedis, type Env } from '../helper.ts'
import { proxyFor, startTcpProxy, type TcpProxy } from './tcp-proxy.ts'

export interface RedisProxy {
  /** the environment overrides that send an app's Redis traffic through the proxies */
  env: Env
  /** a cluster's nodes as they announce themselves, each with its proxy (a single Redis: none) */
  nodes: Array<{ host: string, port: number, proxy: TcpProxy }>
  cut: () => void
  restore: () => void
  close: () => Promise<void>
}

/** The cluster's nodes as they announce themselves. */
async function announcedNodes (env: Env): Promise<Array<{ host: string, port: number }>> {
  return await withRedis(env, async (cluster) => (cluster as Cluster).nodes('all').map(({ options }) => ({ host: options.host!, port: options.port! })))
}

export async function redisProxy (env: Env): Promise<RedisProxy> {
  let proxies: TcpProxy[]
  let overrides: Env
  let nodes: RedisProxy['nodes'] = []
  if (env.REDIS_CLUSTER === 'true') {
    const announced = await announcedNodes(env)
    proxies = await Promise.all(announced.map(({ host, port }) => startTcpProxy(host, port)))
    nodes = announced.map((node, i) => ({ ...node, proxy: proxies[i]! }))
    overrides = {
      REDIS_URL: `redis://${proxies.map((proxy) => `127.0.0.1:${proxy.port}`).join(',')}`,
      REDIS_CLUSTER_NAT_MAP: nodes.map(({ host, port, proxy }) => `${host}:${port}=127.0.0.1:${proxy.port}`).join(',')
    }
  } else {
    const proxy = await proxyFor(env.REDIS_URL!)
    proxies = [proxy]
    overrides = { REDIS_URL: proxy.url(env.REDIS_URL!) }
  }
  return {
    env: overrides,
    nodes,
    cut: () => { for (const proxy of proxies) proxy.cut() },
    restore: () => { for (const proxy of proxies) proxy.restore() },
    close: async () => { await Promise.all(proxies.map((proxy) => proxy.close())) }
  }
}
