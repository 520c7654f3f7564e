// The job API, one resource for every kind of background work: status (what
// admins poll: one primary-key read, ETag, Retry-After while unfinished),
// history, cooperative cancellation, a server-sent event stream of progress
// (heard from whichever instance runs the job) and the file a job produced.
// A user sees their own jobs; admins and the owner see the whole agency's.
// Another agency's job, or another user's for a non-admin, answers 404.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { errors, FILE_TYPES, IdParams, NoBody, Page } from '../../../schemas/common.ts'
import { Job, JobEventsHeaders, JobListQuery } from '../../../schemas/job.ts'
import { codedError } from '../../../plugins/app/error-handler.ts'
import { hasRole } from '../../../plugins/app/tenancy.ts'
import { presentJob } from '../../../plugins/app/job-store/present.ts'
import { UNFINISHED, type JobRecord } from '../../../plugins/app/job-store/records.ts'

const TAGS = ['jobs']

const jobs: FastifyPluginAsyncTypebox = async (fastify) => {
  const { jobStore, jobFiles, jobFeed, jobStreamSlots, config } = fastify

  const seesAll = (request: FastifyRequest) => hasRole(request.auth.role, 'admin')

  async function visibleJob (request: FastifyRequest, id: string): Promise<JobRecord> {
    const job = await jobStore.get(request.auth.agencyId, id)
    if (job === null || (!seesAll(request) && job.userId !== request.auth.userId.toHexString())) throw fastify.httpErrors.notFound('No such job')
    return job
  }

  const present = (job: JobRecord) => presentJob(job, job.file === null ? null : jobFiles.link(job))
  const unfinished = (job: JobRecord) => UNFINISHED.includes(job.status)

  fastify.get('/', {
    schema: {
      operationId: 'listJobs',
      tags: TAGS,
      summary: 'Job history, newest first, by keyset page',
      description: 'Filters: type, status. A user lists their own jobs; admins and the owner every job of the agency.',
      querystring: JobListQuery,
      response: { 200: Page(Job), ...errors(400, 401) }
    }
  }, async (request) => {
    const { type, status, limit, cursor } = request.query
    const page = await jobStore.list(request.auth.agencyId, {
      userId: seesAll(request) ? undefined : request.auth.userId.toHexString(), type, status, limit: limit ?? 25, cursor
    })
    return { items: page.items.map(present), nextCursor: page.nextCursor }
  })

  fastify.get('/:id', {
    schema: {
      operationId: 'getJob',
      tags: TAGS,
      summary: 'A job\'s status: progress, rate, time left, error, download link',
      description: 'Poll with If-None-Match: an unchanged job answers 304. While it is queued or running, Retry-After says when to ask again.',
      params: IdParams,
      response: { 200: Job, ...errors(400, 401, 404) }
    }
  }, async (request, reply) => {
    const job = await visibleJob(request, request.params.id)
    if (unfinished(job)) reply.header('retry-after', String(config.JOB_POLL_RETRY_AFTER_S))
    return present(job)
  })

  fastify.post('/:id/cancellation', {
    config: { minRole: 'viewer' },
    schema: {
      operationId: 'cancelJob',
      tags: TAGS,
      summary: 'Cancel a job: a queued job at once, a running one within a batch',
      description: 'Answers the job (status cancelled, or still running with cancelRequested: true until its next batch). A finished job answers 409 JOB_FINISHED.',
      params: IdParams,
      body: NoBody,
      response: { 202: Job, ...errors(400, 401, 404, 409) }
    }
  }, async (request, reply) => {
    const job = await visibleJob(request, request.params.id)
    const webhook = await fastify.repos.agencies.hasWebhook(request.auth.agencyId)
    const cancelled = await jobStore.requestCancel(request.auth.agencyId, job.id, webhook)
    if (cancelled === null) throw codedError(409, 'JOB_FINISHED', `The job has already finished (${job.status}); there is nothing to cancel`)
    return reply.code(202).send(present(cancelled))
  })

  fastify.get('/:id/events', {
    sse: { kind: 'only' },
    schema: {
      operationId: 'streamJobEvents',
      tags: TAGS,
      summary: 'Server-sent events: the job\'s state on every change, until it finishes',
      description: 'Each event (progress, then one done) carries the job as the status route answers it; its id is the job\'s version. ' +
        'Reconnect with Last-Event-ID: only a newer state is sent. A comment line keeps idle streams open. ' +
        'A user may hold JOB_EVENTS_MAX_PER_USER streams open (429 STREAM_LIMIT with Retry-After past them; poll the status instead).',
      params: IdParams,
      headers: JobEventsHeaders,
      produces: ['text/event-stream'],
      response: { 200: Type.Unsafe({ description: 'text/event-stream: events "progress" and "done", each a job as GET /v1/jobs/:id answers it' }), ...errors(400, 401, 404, 429) }
    }
  }, async (request, reply) => {
    // The slot first: a refused stream costs no read.
    const release = jobStreamSlots.take(request.auth.userId.toHexString())
    if (release === null) {
      throw Object.assign(codedError(429, 'STREAM_LIMIT', 'Too many job event streams are open; close one, or poll GET /v1/jobs/:id meanwhile'), {
        headers: { 'retry-after': String(config.JOB_POLL_RETRY_AFTER_S) }
      })
    }
    whenClosed(reply, release)
    let first: JobRecord
    try {
      first = await visibleJob(request, request.params.id)
    } catch (err) {
      release()
      throw err
    }
    const lastSeen = Number(request.headers['last-event-id'] ?? 0)
    await stream(request, reply, first, lastSeen)
  })

  /** Runs `done` when the stream closes, or now if the client has gone already (its close has passed). */
  function whenClosed (reply: FastifyReply, done: () => void): void {
    reply.sse.onClose(done)
    if (!reply.sse.isConnected) done()
  }

  /** Sends each state newer than the last one sent, in order, from the process's one read per change (jobFeed). */
  async function stream (request: FastifyRequest, reply: FastifyReply, first: JobRecord, lastSeen: number): Promise<void> {
    let sent = lastSeen
    let sending = Promise.resolve()
    let unwatch = () => {}
    const send = async (job: JobRecord) => {
      if (job.version > sent && reply.sse.isConnected) {
        sent = job.version
        await reply.sse.send({ id: String(job.version), event: unfinished(job) ? 'progress' : 'done', data: present(job) })
      }
      if (!unfinished(job)) {
        unwatch()
        reply.sse.close()
      }
    }
    reply.sse.keepAlive()
    unwatch = jobFeed.watch(first.agencyId, first.id, (job) => {
      sending = sending.then(() => send(job)).catch((err: unknown) => request.log.warn({ err }, 'job events: could not send'))
    })
    whenClosed(reply, () => unwatch())
    await send(first)
  }

  fastify.get('/:id/download', {
    schema: {
      operationId: 'downloadJobFile',
      tags: TAGS,
      summary: 'The job\'s file (an export, or an import\'s rejected rows), streamed',
      description: 'Answers the file with its content type, Content-Disposition file name and Content-Length. 404 NO_FILE while there is none; 410 FILE_EXPIRED after the retention.',
      params: IdParams,
      produces: [...FILE_TYPES],
      response: { 200: Type.Unsafe({ description: 'the file' }), ...errors(400, 401, 404, 410) }
    }
  }, async (request, reply) => {
    const job = await visibleJob(request, request.params.id)
    if (job.status === 'expired') throw codedError(410, 'FILE_EXPIRED', 'The file of this job has passed its retention and was deleted')
    if (job.file === null) throw codedError(404, 'NO_FILE', job.status === 'succeeded' ? 'This job produced no file' : `This job has no file yet (${job.status})`)
    return await jobFiles.send(reply, job.file)
  })
}

export default jobs
