// POST /v1/imports?resource=properties|units|tenants with a CSV file
// (multipart/form-data, one file, at most IMPORT_MAX_BYTES): the file is stored
// and checked (header, CSV shape) before the job is queued; the job validates
// each row with the create route's schema and reports the rejected ones.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import multipart from '@fastify/multipart'
import { Type } from 'typebox'
import { errors, IdempotencyHeaders } from '../../../schemas/common.ts'
import { ImportQuery } from '../../../schemas/import.ts'
import { Job } from '../../../schemas/job.ts'
import { codedError } from '../../../plugins/app/error-handler.ts'
import { presentJob } from '../../../plugins/app/job-store/present.ts'
import { MAX_ROW_CHARS, SPARE_FIELDS } from '../../../plugins/app/imports/bounded-parser.ts'

const imports: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config } = fastify
  // Only this route takes multipart bodies; a file beyond the limit answers 413.
  await fastify.register(multipart, { limits: { fileSize: config.IMPORT_MAX_BYTES, files: 1, fields: 0, parts: 1 } })

  fastify.post('/', {
    config: { rateLimit: { max: config.EXPORT_RATE_LIMIT_MAX, timeWindow: config.EXPORT_RATE_LIMIT_WINDOW_MS } },
    schema: {
      operationId: 'createImport',
      tags: ['imports'],
      summary: 'Import properties, units or tenants from a CSV file (manager); answers 202 with the job',
      description: 'multipart/form-data with one file part. The header names the create route\'s fields (address.city and the like for nested ones); ' +
        'each row is checked like a create request; rejected rows, with their reasons, are the job\'s downloadable file. ' +
        'Natural keys make a second run add nothing: properties by name and postal code, units by label in their property, ' +
        'tenants by first and last name, email, phone and date of birth. ' +
        'A file holds at most the deployment\'s IMPORT_MAX_BYTES (else 413) and IMPORT_MAX_ROWS rows, ' +
        `a row at most the header's columns plus ${SPARE_FIELDS} and ${MAX_ROW_CHARS} characters: ` +
        'past them the upload answers 400 (TOO_MANY_ROWS, TOO_MANY_FIELDS, ROW_TOO_LARGE) naming the line, and nothing is queued.',
      querystring: ImportQuery,
      consumes: ['multipart/form-data'],
      // Documents the form; the multipart parser, not the validator, reads it (the validator sees no body).
      body: Type.Unsafe({ type: ['object', 'null'], properties: { file: { type: 'string', format: 'binary', description: 'the CSV file' } } }),
      headers: IdempotencyHeaders,
      response: { 202: Job, ...errors(400, 401, 403, 422, 429) }
    }
  }, async (request, reply) => {
    if (!request.isMultipart()) throw codedError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the CSV file as multipart/form-data')
    const part = await request.file()
    if (part === undefined) throw codedError(400, 'NO_FILE', 'The request holds no file part')
    const { agencyId, userId } = request.auth
    const { resource } = request.query
    const fileName = part.filename === '' ? `${resource}.csv` : part.filename
    const upload = await fastify.importService.scan(agencyId, resource, fileName, part.file)
    const params = { resource, uploadId: upload.uploadId, fileName, rows: upload.rows }
    let uploadUsed = false
    try {
      return await fastify.idempotency.created(request, reply, {
        scope: `imports.create:${userId.toHexString()}`,
        status: 202,
        // The file's digest, not the upload's id: the same file sent again is the same request.
        request: { resource, fileName, sha256: upload.sha256 },
        async create (id) {
          // Not created: a resumed request found the job its first attempt made, with that attempt's upload.
          const { job, created } = await fastify.jobStore.create(agencyId, userId, { type: 'import', task: 'run-import', params, maxAttempts: config.EXPORT_MAX_ATTEMPTS, priority: 0 }, id)
          uploadUsed = created
          return presentJob(job, null)
        },
        location: (job) => `/v1/jobs/${job.id}`
      })
    } finally {
      // A replay, a resumed request or a refused key answers without this upload.
      if (!uploadUsed) await fastify.jobFiles.remove(upload.uploadId).catch((err: unknown) => request.log.warn({ err }, 'import: an unused upload was not removed'))
    }
  })
}

export default imports
