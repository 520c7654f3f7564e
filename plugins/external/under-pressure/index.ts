// Load shedding (@fastify/under-pressure): above the event-loop, memory or
// dependency limits every route answers 503 with Retry-After, except those that
// must keep answering (liveness, metrics) which set a no-op pressureHandler.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import underPressure from '@fastify/under-pressure'
import v8 from 'node:v8'
import { probeDependencies, requiredUp, type ProbeReport } from './dependency-probes.ts'

declare module 'fastify' {
  interface FastifyInstance {
    probeDependencies: () => Promise<ProbeReport>
  }
  // under-pressure reads this per-route option but does not declare it.
  interface FastifyContextConfig {
    pressureHandler?: (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => unknown
  }
}

export default fp(async function pressure (fastify) {
  const config = fastify.config
  fastify.decorate('probeDependencies', () => probeDependencies(fastify))
  let failedProbes = 0

  await fastify.register(underPressure, {
    maxEventLoopDelay: config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.PRESSURE_MAX_EVENT_LOOP_UTILIZATION,
    // Utilisation over the last sample, not since start: a burst long past is not pressure now.
    eventLoopUtilizationMode: 'interval',
    // A share of the heap limit the process runs with (npm start sets it), unless bytes are given.
    maxHeapUsedBytes: config.PRESSURE_MAX_HEAP_USED_BYTES || Math.floor(config.PRESSURE_MAX_HEAP_FRACTION * v8.getHeapStatistics().heap_size_limit),
    maxRssBytes: config.PRESSURE_MAX_RSS_BYTES,
    retryAfter: config.PRESSURE_RETRY_AFTER_S,
    // Without MongoDB (a worker: without PostgreSQL) the instance can only fail slowly; shed at once instead.
    // Two failed probes in a row, not one: a single slow ping under a burst of load
    // is not an outage, and shedding on it would turn the burst into errors.
    healthCheck: async () => {
      failedProbes = requiredUp(await probeDependencies(fastify)) ? 0 : failedProbes + 1
      return failedProbes < 2
    },
    healthCheckInterval: config.HEALTH_CHECK_INTERVAL_MS
  })
}, { name: 'under-pressure', dependencies: ['mongodb', 'postgres', 'redis'] })
