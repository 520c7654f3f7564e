// MongoDB through @fastify/mongodb. We create the client ourselves so the command
// monitor is listening before the first connection, then connect at start-up:
// MongoDB is required, so an unreachable server fails boot within the
// server-selection limit instead of failing every request later.
import fp from 'fastify-plugin'
import fastifyMongodb from '@fastify/mongodb'
import { MongoClient } from 'mongodb'
import { monitorCommands, type CommandMonitor } from './command-monitor.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** every finished command, and the pools' state (see command-monitor.ts) */
    mongoMonitor: CommandMonitor
  }
}

export default fp<{ offline?: boolean }>(async function mongodb (fastify, opts) {
  const config = fastify.config
  const client = new MongoClient(config.MONGODB_URL, {
    appName: 'haven-api',
    maxPoolSize: config.MONGODB_MAX_POOL_SIZE,
    minPoolSize: config.MONGODB_MIN_POOL_SIZE,
    serverSelectionTimeoutMS: config.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    connectTimeoutMS: config.MONGODB_CONNECT_TIMEOUT_MS,
    waitQueueTimeoutMS: config.MONGODB_WAIT_QUEUE_TIMEOUT_MS,
    // A socket silent for longer than any allowed query is dead.
    socketTimeoutMS: config.MONGODB_QUERY_TIMEOUT_MS * 2,
    // OBSERVABILITY=off (the bench's baseline) measures the API without command monitoring.
    monitorCommands: config.OBSERVABILITY !== 'off'
  })
  const monitor = monitorCommands(client, {
    registry: fastify.metricsRegistry,
    log: fastify.log,
    slowMs: config.MONGODB_SLOW_QUERY_MS
  })

  fastify.decorate('mongoMonitor', monitor)

  if (opts.offline !== true) await client.connect()
  fastify.addHook('onClose', () => client.close())
  await fastify.register(fastifyMongodb, { client, database: client.options.dbName })
}, { name: 'mongodb', dependencies: ['metrics'] })
