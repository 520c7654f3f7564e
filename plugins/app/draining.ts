// The drain phase of a graceful shutdown (server.ts): once it starts, readiness answers 503
// (routes/health), so the load balancer takes this instance out of rotation, while requests
// still arriving are served as usual; each response then asks its client to close the
// connection, so keep-alive clients reconnect to an instance that stays. server.ts closes the
// app (stop accepting, finish in-flight requests) once the balancer has had time to notice.
import fp from 'fastify-plugin'
import { promClient } from '../external/metrics.ts'

declare module 'fastify' {
  interface FastifyInstance {
    draining: {
      /** true from the start of the drain phase until the process exits */
      readonly active: boolean
      start: () => void
    }
  }
}

export default fp(async function draining (fastify) {
  let active = false
  new promClient.Gauge({
    name: 'haven_draining',
    help: '1 while this instance drains before shutting down (readiness false, connections closed after each response)',
    registers: [fastify.metricsRegistry],
    collect () { this.set(active ? 1 : 0) }
  })
  fastify.decorate('draining', {
    get active () { return active },
    start () { active = true }
  })
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (active) reply.header('connection', 'close')
    return payload
  })
}, { name: 'draining', dependencies: ['metrics'] })
