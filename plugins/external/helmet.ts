// Security headers. The API serves JSON, so the default CSP is right for it;
// the docs UI (Swagger UI) brings its own relaxed CSP through @fastify/swagger-ui.
import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'

export default fp(async function securityHeaders (fastify) {
  await fastify.register(helmet, { global: true, enableCSPNonces: false })
}, { name: 'helmet' })
