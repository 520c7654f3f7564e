// CORS for the web app and the PWA: only the configured origins, none by default (npm run
// dev admits the usual local front-end origins). A browser script may send the headers
// the API reads and read the ones it answers with.
import fp from 'fastify-plugin'
import cors from '@fastify/cors'

export default fp(async function crossOrigin (fastify) {
  const origins = fastify.config.CORS_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean)
  await fastify.register(cors, {
    origin: origins.length > 0 ? origins : false,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-none-match', 'last-event-id', 'x-request-id'],
    exposedHeaders: ['etag', 'location', 'retry-after', 'idempotent-replayed', 'content-disposition', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
    maxAge: 600
  })
}, { name: 'cors' })
