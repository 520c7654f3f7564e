// PostgreSQL pool (@fastify/postgres over pg), shared by the job queue and our own
// tables. Every connection carries a statement timeout, and start-up checks the
// server answers: the queue lives here, so an unreachable PostgreSQL fails boot.
import fp from 'fastify-plugin'
import fastifyPostgres from '@fastify/postgres'

export default fp<{ offline?: boolean }>(async function postgres (fastify, opts) {
  const config = fastify.config
  await fastify.register(fastifyPostgres, {
    connectionString: config.DATABASE_URL,
    max: config.PG_POOL_MAX,
    connectionTimeoutMillis: config.PG_CONNECT_TIMEOUT_MS,
    statement_timeout: config.PG_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: config.PG_STATEMENT_TIMEOUT_MS * 2,
    idleTimeoutMillis: 30_000,
    application_name: 'haven-api'
  })
  // An idle client that loses its server emits on the pool; unhandled, that would crash the process.
  // So would an error on a checked-out client between queries (graphile-worker's LISTEN client).
  fastify.pg.pool.on('error', (err) => fastify.log.warn({ err }, 'idle PostgreSQL connection failed'))
  fastify.pg.pool.on('connect', (client) => {
    client.on('error', (err) => fastify.log.warn({ err }, 'PostgreSQL connection failed'))
  })
  if (opts.offline !== true) await fastify.pg.query('SELECT 1')
}, { name: 'postgres' })
