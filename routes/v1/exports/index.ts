// POST /v1/exports: queues an export of a resource's rows or a report as CSV or
// XLSX. Everything is checked first (400 before anything is queued); the same
// user asking for the same export while it is queued or running gets that job.
// Any role may export what it may read; creation has its own, stricter limit.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors, IdempotencyHeaders } from '../../../schemas/common.ts'
import { ExportCreate } from '../../../schemas/export.ts'
import { Job } from '../../../schemas/job.ts'
import { presentJob } from '../../../plugins/app/job-store/present.ts'

const exportsRoute: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config } = fastify

  fastify.post('/', {
    config: { minRole: 'viewer', rateLimit: { max: config.EXPORT_RATE_LIMIT_MAX, timeWindow: config.EXPORT_RATE_LIMIT_WINDOW_MS } },
    schema: {
      operationId: 'createExport',
      tags: ['exports'],
      summary: 'Export a resource or a report (CSV or XLSX); answers 202 with the job to poll',
      description: 'resource: properties, units, tenants, leases, charges, payments, maintenance-requests (the list route\'s rows for the same filters and sort), ' +
        'rent-roll or arrears. filters: the list route\'s filters and sort, plus dateRange {field, from, to} on one of its date fields. ' +
        'Money columns hold integer minor units, each followed by <name>Formatted in the agency\'s currency. ' +
        'Cells starting with = + - @, tab or CR are prefixed with an apostrophe (CSV injection). ' +
        'Asking again while the same export is unfinished answers the same job. Poll Location; download from the status\'s link.',
      headers: IdempotencyHeaders,
      body: ExportCreate,
      response: { 202: Job, ...errors(400, 401, 422, 429) }
    }
  }, async (request, reply) => {
    const { agencyId, userId } = request.auth
    const params = fastify.exportService.prepare(agencyId, request.body)
    return await fastify.idempotency.created(request, reply, {
      // A user's jobs are their own: so are the keys that make them.
      scope: `exports.create:${userId.toHexString()}`,
      status: 202,
      create: async (id) => presentJob((await fastify.jobStore.create(agencyId, userId, { type: 'export', task: 'run-export', params, maxAttempts: config.EXPORT_MAX_ATTEMPTS, priority: 0 }, id)).job, null),
      location: (job) => `/v1/jobs/${job.id}`
    })
  })
}

export default exportsRoute
