// Server-sent events (@fastify/sse) for routes that opt in ({ sse: ... }): job
// progress streams. The plugin sends a keep-alive comment every
// JOB_EVENTS_HEARTBEAT_MS, so proxies keep idle streams open.
import fp from 'fastify-plugin'
import sse, { type fastifySSE } from '@fastify/sse'

export default fp(async function serverSentEvents (fastify) {
  // The package's CommonJS export is the fastify-plugin-wrapped function its types call the default.
  await fastify.register(sse as unknown as typeof fastifySSE, { heartbeatInterval: fastify.config.JOB_EVENTS_HEARTBEAT_MS })
}, { name: 'sse' })
