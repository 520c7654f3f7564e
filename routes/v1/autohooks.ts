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
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'GET' || reply.statusCode >= 300 || request.auth === null) return payload
    const resource = request.routeOptions.url?.split('/')[2] ?? ''
    const widgets = WIDGETS_BY_RESOURCE[resource]
    if (widgets !== undefined) await fastify.rollups.afterWrite(request.auth.agencyId, widgets)
    return payload
  })
}
