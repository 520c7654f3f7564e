// Signed download links (the status route's download.url): the job's file
// without an Authorization header, until the link expires. The link names the
// agency and the job and is signed with a key derived from the server secret.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errors, FILE_TYPES } from '../../../schemas/common.ts'
import { codedError } from '../../../plugins/app/error-handler.ts'

const downloads: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/:token', {
    config: { public: true },
    schema: {
      operationId: 'downloadByLink',
      tags: ['jobs'],
      summary: 'A job\'s file through a signed link (no Authorization header)',
      description: '403 LINK_INVALID for a link we did not sign, 410 LINK_EXPIRED after its time; ask the job status route for a fresh one.',
      params: Type.Object({ token: Type.String({ minLength: 10, maxLength: 1_000, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' }) }, { additionalProperties: false }),
      produces: [...FILE_TYPES],
      response: { 200: Type.Unsafe({ description: 'the file' }), ...errors(400, 403, 404, 410) }
    }
  }, async (request, reply) => {
    const claims = fastify.jobFiles.verifyLink(request.params.token)
    const job = await fastify.jobStore.get(claims.agencyId, claims.jobId)
    if (job?.status === 'expired') throw codedError(410, 'FILE_EXPIRED', 'The file of this job has passed its retention and was deleted')
    if (job === null || job.file === null) throw codedError(404, 'NO_FILE', 'This job has no file')
    return await fastify.jobFiles.send(reply, job.file)
  })
}

export default downloads
