// Prometheus metrics at /metrics: per-route duration histograms (no summaries) and
// process metrics. Each app instance owns its registry, so two instances in one
// process (tests, benchmarks) never collide on metric names.
import fp from 'fastify-plugin'
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

export default fp(async function metrics (fastify) {
  const registry = new promClient.Registry()
  fastify.decorate('metricsRegistry', registry)

  await fastify.register(fastifyMetrics.default, {
    promClient: promClient as never,
    endpoint: {
      url: '/metrics',
      method: 'GET',
      logLevel: 'warn',
      exposeHeadRoute: false,
      schema: { hide: true },
      // Monitoring must keep answering while the API sheds load or limits clients.
      config: { rateLimit: false, pressureHandler: () => undefined },
      handler: async () => undefined
    },
    // fastify-metrics types its options with @prometheus-io/client; the registry is the drop-in's.
    defaultMetrics: { enabled: true, register: registry as never },
    routeMetrics: {
      enabled: { histogram: true, summary: false },
      routeBlacklist: ['/metrics'],
      overrides: {
        histogram: { buckets: LATENCY_BUCKETS, registers: [registry as never] },
        summary: { registers: [] }
      }
    }
  })
}, { name: 'metrics' })
