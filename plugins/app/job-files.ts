// Files of jobs (export files, import uploads and rejected-row reports) in GridFS,
// and the signed links that fetch them without an Authorization header.
// GridFS writes a file's description only after its last chunk: until an upload
// completes there is no file to find, so a crashed attempt never leaves a partial
// file visible; its orphan chunks are removed by the next attempt (the job row
// remembers the id it was writing, see job-store).
import fp from 'fastify-plugin'
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'
import { GridFSBucket, ObjectId, type GridFSBucketWriteStream } from 'mongodb'
import type { FastifyReply } from 'fastify'
import { codedError } from './error-handler.ts'
import type { JobFile, JobRecord } from './job-store/records.ts'
import type { DownloadLink } from './job-store/present.ts'

export interface FileOwner { agencyId: string, jobId: string }

export interface LinkClaims { jobId: string, agencyId: string, expiresAt: Date }

declare module 'fastify' {
  interface FastifyInstance {
    jobFiles: {
      upload: (name: string, contentType: string, owner: FileOwner) => GridFSBucketWriteStream
      open: (id: string) => NodeJS.ReadableStream
      /** removes a file and its chunks; a file that is not there (or only its chunks) is no error */
      remove: (id: string) => Promise<void>
      /** a link valid between half of DOWNLOAD_LINK_TTL_S and all of it (stable in between, for ETags) */
      link: (job: JobRecord, now?: Date) => DownloadLink
      verifyLink: (token: string, now?: Date) => LinkClaims
      send: (reply: FastifyReply, file: JobFile) => Promise<FastifyReply>
    }
  }
}

const BUCKET = 'job_files'

export default fp(async function jobFiles (fastify) {
  const bucket = new GridFSBucket(fastify.mongo.db!, { bucketName: BUCKET })
  const ttlMs = fastify.config.DOWNLOAD_LINK_TTL_S * 1000
  // A key of its own, derived from the server secret: a link can never pass for a token.
  const key = Buffer.from(hkdfSync('sha256', fastify.config.JWT_SECRET, '', 'haven download links', 32))
  // 128 bits of HMAC-SHA256: forging one is as hard as guessing a 128-bit key.
  const sign = (body: string) => createHmac('sha256', key).update(body).digest().subarray(0, 16)

  const invalid = () => codedError(403, 'LINK_INVALID', 'This download link is not valid; ask the job status route for a new one')

  fastify.decorate('jobFiles', {
    upload (name, contentType, owner) {
      return bucket.openUploadStream(name, { metadata: { ...owner, contentType } })
    },

    open (id) {
      return bucket.openDownloadStream(new ObjectId(id))
    },

    async remove (id) {
      await bucket.delete(new ObjectId(id)).catch((err: Error) => {
        if (!/File not found/i.test(err.message)) throw err
      })
    },

    link (job, now = new Date()) {
      const half = ttlMs / 2
      const expiresAt = new Date(Math.floor(now.getTime() / half) * half + ttlMs)
      // Compact (under Fastify's 100-character path parameter): job id, agency id, expiry in seconds.
      const claims = Buffer.alloc(30)
      claims.write(job.id, 0, 'hex')
      claims.write(job.agencyId, 12, 'hex')
      claims.writeUIntBE(Math.floor(expiresAt.getTime() / 1000), 24, 6)
      const body = claims.toString('base64url')
      return { url: `/v1/downloads/${body}.${sign(body).toString('base64url')}`, expiresAt }
    },

    verifyLink (token, now = new Date()) {
      const [body, signature, extra] = token.split('.')
      if (body === undefined || signature === undefined || extra !== undefined) throw invalid()
      const expected = sign(body)
      const given = Buffer.from(signature, 'base64url')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid()
      const claims = Buffer.from(body, 'base64url')
      if (claims.length !== 30) throw invalid()
      const expiresAt = new Date(claims.readUIntBE(24, 6) * 1000)
      if (expiresAt <= now) throw codedError(410, 'LINK_EXPIRED', 'This download link has expired; ask the job status route for a new one')
      return { jobId: claims.toString('hex', 0, 12), agencyId: claims.toString('hex', 12, 24), expiresAt }
    },

    async send (reply, file) {
      const stored = await bucket.find({ _id: new ObjectId(file.id) }, { limit: 1, maxTimeMS: fastify.config.MONGODB_QUERY_TIMEOUT_MS }).toArray()
      if (stored.length === 0) throw codedError(410, 'FILE_GONE', 'The file of this job is no longer kept')
      return reply
        .header('content-type', file.contentType)
        .header('content-length', String(file.size))
        .header('content-disposition', `attachment; filename="${file.name.replace(/[^\w.-]/g, '_')}"`)
        .header('cache-control', 'private, no-store')
        .send(bucket.openDownloadStream(new ObjectId(file.id)))
    }
  })
}, { name: 'job-files', dependencies: ['mongodb'] })
