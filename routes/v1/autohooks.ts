// Hooks for every route under /v1: authentication, agency scope and role, and
// a deliberate Cache-Control (agency data is private; clients revalidate with
// the ETag, a 304 costs no body).
import type { FastifyInstance } from 'fastify'
import type { RecountedWidget } from '../../plugins/app/repositories/agency-summaries.ts'

// Which dashboard widgets a successful write under each route may change.
// Money routes are absent: the ledger updates the money figures itself.
const WIDGETS_BY_RESOURCE: Record<string, RecountedWidget[]> = {
  properties: ['properties'],
  units: ['units'],
  leases: ['leaseEnds', 'units'],
  'maintenance-requests': ['maintenanceOpen', 'resolutions'],
  agency: []
}

export default async function v1Hooks (fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'private, no-cache')
    await fastify.authenticate(request)
  })

  // Before the response leaves, so the writer reads its own write on the dashboard.
  // Callback style: reads (the hot path) pass straight through without a promise.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const widgets = request.method === 'GET' || reply.statusCode >= 300 || request.auth === null
      ? undefined
      : WIDGETS_BY_RESOURCE[request.routeOptions.url?.split('/')[2] ?? '']
    if (widgets === undefined) {
      done(null, payload)
      return
    }
    fastify.rollups.afterWrite(request.auth.agencyId, widgets).then(() => done(null, payload), done)
  })
}
