// Load shedding (@fastify/under-pressure): above the event-loop, memory or
// dependency limits every route answers 503 with Retry-After, except those that
// must keep answering (liveness, metrics) which set a no-op pressureHandler, and
// the operator's views (config.operatorOnly) when the operator asks: that is when
// they are read. Every shed request is counted by reason (haven_shed_requests_total),
// and each dependency's last probe is a gauge (haven_dependency_up).
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import underPressure from '@fastify/under-pressure'
import v8 from 'node:v8'
import { promClient } from '../metrics.ts'
import { probeDependencies, requiredUp, sharedProbes, type ProbeReport } from './dependency-probes.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** the dependencies' state, probed at most once a second whoever asks */
    probeDependencies: () => Promise<ProbeReport>
  }
  // under-pressure reads this per-route option but does not declare it.
  interface FastifyContextConfig {
    pressureHandler?: (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => unknown
  }
}

const PROBE_MAX_AGE_MS = 1_000

export default fp<{ offline?: boolean }>(async function pressure (fastify, opts) {
  const config = fastify.config
  const probe = sharedProbes(() => probeDependencies(fastify), PROBE_MAX_AGE_MS)
  fastify.decorate('probeDependencies', probe)
  let failedProbes = 0

  const shed = new promClient.Counter({
    name: 'haven_shed_requests_total',
    help: 'Requests refused with 503 by load shedding, by reason (eventLoopDelay, eventLoopUtilization, heapUsedBytes, rssBytes, healthCheck, mongoWaitQueue)',
    labelNames: ['reason'] as const,
    registers: [fastify.metricsRegistry]
  })
  new promClient.Gauge({
    name: 'haven_dependency_up',
    help: 'Whether the dependency answered its last probe (1) or not (0), by dependency (mongodb, postgres, redis)',
    labelNames: ['dependency'] as const,
    registers: [fastify.metricsRegistry],
    async collect () {
      for (const [dependency, result] of Object.entries(await probe())) this.set({ dependency }, result.status === 'up' ? 1 : 0)
    }
  })
  const overloaded = Object.assign(new Error('Service Unavailable'), { statusCode: 503, code: 'FST_UNDER_PRESSURE' })

  await fastify.register(underPressure, {
    maxEventLoopDelay: config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.PRESSURE_MAX_EVENT_LOOP_UTILIZATION,
    // Utilisation over the last sample, not since start: a burst long past is not pressure now.
    eventLoopUtilizationMode: 'interval',
    // A share of the heap limit the process runs with (npm start sets it), unless bytes are given.
    maxHeapUsedBytes: config.PRESSURE_MAX_HEAP_USED_BYTES || Math.floor(config.PRESSURE_MAX_HEAP_FRACTION * v8.getHeapStatistics().heap_size_limit),
    maxRssBytes: config.PRESSURE_MAX_RSS_BYTES,
    retryAfter: config.PRESSURE_RETRY_AFTER_S,
    // The plugin sends what this returns (its types say void; see handlePressure in its index.js).
    pressureHandler: ((request: FastifyRequest, reply: FastifyReply, type: string) => {
      if (request.routeOptions.config.operatorOnly === true && fastify.isOperator(request)) return undefined
      shed.inc({ reason: type })
      reply.status(503).header('retry-after', String(config.PRESSURE_RETRY_AFTER_S))
      return overloaded
    }) as never,
    // Without MongoDB (a worker: without PostgreSQL) the instance can only fail slowly; shed at once instead.
    // Two failed probes in a row, not one: a single slow ping under a burst of load
    // is not an outage, and shedding on it would turn the burst into errors.
    // Offline (no connection to probe) the plugin would probe at registration: no health check then.
    healthCheck: opts.offline === true ? undefined : async () => {
      failedProbes = requiredUp(await probe()) ? 0 : failedProbes + 1
      return failedProbes < 2
    },
    healthCheckInterval: config.HEALTH_CHECK_INTERVAL_MS
  })

  // MongoDB is where an overload queues (one server behind every instance): a request admitted
  // while more operations wait for a pooled connection than PRESSURE_MAX_MONGO_WAITING would wait
  // up to MONGODB_WAIT_QUEUE_TIMEOUT_MS, slow those ahead of it, and often fail anyway.
  // under-pressure samples only the process itself, so this check is ours, on every request.
  const maxWaiting = config.PRESSURE_MAX_MONGO_WAITING
  if (maxWaiting > 0) {
    fastify.addHook('onRequest', async (request, reply) => {
      if (fastify.mongoMonitor.waiting() <= maxWaiting) return
      const { config: route } = request.routeOptions
      if (route.pressureHandler !== undefined || (route.operatorOnly === true && fastify.isOperator(request))) return
      shed.inc({ reason: 'mongoWaitQueue' })
      reply.header('retry-after', String(config.PRESSURE_RETRY_AFTER_S))
      throw overloaded
    })
  }
}, { name: 'under-pressure', dependencies: ['mongodb', 'postgres', 'redis', 'metrics', 'operator-auth'] })
