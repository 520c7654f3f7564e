// One log line per request, when it completes, with the seed's metric fields:
// route (the pattern, not the URL), method, status, duration, agency and user.
// Never a body, a query string or a header (tokens live there). It replaces
// Fastify's own pair of lines ("incoming request" / "request completed"), which
// carry the raw URL but neither the route nor who asked. Routes that log at
// `warn` (health, metrics) stay out of it, as before.
import fp from 'fastify-plugin'

export default fp(async function requestLog (fastify) {
  fastify.addHook('onResponse', (request, reply, done) => {
    const auth = request.auth
    request.log.info({
      route: request.routeOptions.url ?? null,
      method: request.method,
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      agencyId: auth?.agencyId?.toString() ?? null,
      userId: auth?.userId?.toString() ?? null
    }, 'request completed')
    done()
  })
}, { name: 'request-log' })
