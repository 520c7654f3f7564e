// Prometheus metrics at /metrics: per-route duration histograms (no summaries) and
// process metrics. Each app instance owns its registry, so two instances in one
// process (tests, benchmarks) never collide on metric names. /metrics is the
// operator's (OPS_TOKEN, like /ops/) unless METRICS_PUBLIC opens it for a private
// scrape network; OBSERVABILITY=off leaves only the process metrics (the bench's
// baseline for what per-request metrics cost).
import fp from 'fastify-plugin'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import v8 from 'node:v8'
import fastifyMetrics from 'fastify-metrics'
// @platformatic/prom-client: the prom-client API with cheaper observations and
// serialization (fastify-metrics supports it as a drop-in); every metric of the
// app is made with this one client so the registries can be merged.
import promClient, { type Registry } from '@platformatic/prom-client'

export { promClient }

declare module 'fastify' {
  interface FastifyInstance {
    metricsRegistry: Registry
  }
}

// Buckets in seconds, dense where the API's targets are (milliseconds to a few seconds).
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

// The container's memory limit (cgroup v2, then v1) when it has one, else the machine's memory.
function machineMemoryLimit (): number {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const limit = Number(readFileSync(file, 'utf8').trim())
      if (Number.isFinite(limit) && limit > 0 && limit < os.totalmem()) return limit
    } catch {
      // no such cgroup file here
    }
  }
  return os.totalmem()
}

export default fp(async function metrics (fastify) {
  const config = fastify.config
  const registry = new promClient.Registry()
  fastify.decorate('metricsRegistry', registry)

  // "Memory above 80 %" needs a denominator: the RSS limit (load shedding's, else the
  // container's or machine's) and V8's heap limit, whichever is hit first.
  const rssLimit = config.PRESSURE_MAX_RSS_BYTES > 0 ? config.PRESSURE_MAX_RSS_BYTES : machineMemoryLimit()
  const memoryLimit = new promClient.Gauge({
    name: 'haven_process_memory_limit_bytes',
    help: 'What this process may use: rss (the load-shedding limit, else the container or machine memory) and heap (V8\'s heap limit)',
    labelNames: ['kind'] as const,
    registers: [registry]
  })
  memoryLimit.set({ kind: 'rss' }, rssLimit)
  memoryLimit.set({ kind: 'heap' }, v8.getHeapStatistics().heap_size_limit)

  await fastify.register(fastifyMetrics.default, {
    promClient: promClient as never,
    endpoint: {
      url: '/metrics',
      method: 'GET',
      logLevel: 'warn',
      exposeHeadRoute: false,
      schema: { hide: true },
      // Monitoring must keep answering while the API sheds load or limits clients; when
      // it is the operator's, shedding still refuses everyone else, as for any route.
      ...(config.METRICS_PUBLIC
        ? { config: { rateLimit: false, pressureHandler: () => undefined } }
        : { config: { rateLimit: false, operatorOnly: true }, onRequest: fastify.operatorOnly }),
      handler: async () => undefined
    },
    // fastify-metrics types its options with @prometheus-io/client; the registry is the drop-in's.
    defaultMetrics: { enabled: true, register: registry as never },
    routeMetrics: {
      enabled: config.OBSERVABILITY === 'off' ? false : { histogram: true, summary: false },
      routeBlacklist: ['/metrics'],
      overrides: {
        histogram: { buckets: LATENCY_BUCKETS, registers: [registry as never] },
        summary: { registers: [] }
      }
    }
  })
  // prom-client's totals of the by-type gauges nodejs_active_{handles,requests,resources}
  // are gauges named like counters, which `promtool check metrics` rejects; the by-type
  // gauges add up to them.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name)
}, { name: 'metrics', dependencies: ['operator-auth'] })
