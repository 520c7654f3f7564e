// MongoDB through @fastify/mongodb. We create the client ourselves so the command
// monitor is listening before the first connection, then connect at start-up:
// MongoDB is required, so an unreachable server fails boot within the
// server-selection limit instead of failing every request later.
import fp from 'fastify-plugin'
import fastifyMongodb from '@fastify/mongodb'
import { MongoClient } from 'mongodb'
import { monitorCommands } from './command-monitor.ts'

export default fp(async function mongodb (fastify) {
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
    monitorCommands: true
  })
  monitorCommands(client, {
    registry: fastify.metricsRegistry,
    log: fastify.log,
    slowMs: config.MONGODB_SLOW_QUERY_MS
  })

  await client.connect()
  fastify.addHook('onClose', () => client.close())
  await fastify.register(fastifyMongodb, { client, database: client.options.dbName })
}, { name: 'mongodb', dependencies: ['metrics'] })
