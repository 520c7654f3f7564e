// Idempotent creation: every creating POST takes an Idempotency-Key header.
// The first request claims the key with the id of the resource it will create;
// a retry or a concurrent duplicate with the same key resumes creating that
// same resource (every step downstream is idempotent by that id) and answers
// with the first response once stored. A key reused for a different body is
// refused. Keys expire after a day. Work that does not need the resource's id
// (reading what the creation builds on) runs beside the claim, so the claim
// adds no round trip in sequence; a replay ignores it.
import fp from 'fastify-plugin'
import { createHmac } from 'node:crypto'
import { ObjectId } from 'mongodb'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { codedError } from './error-handler.ts'
import { requestHash, type StoredResponse } from './repositories/idempotency-keys.ts'

interface IdempotentResult extends StoredResponse { replayed: boolean }

export interface Creation<B, P> {
  /** names the kind of resource: a key is unique per agency and scope */
  scope: string
  /** 201, or 202 for a job */
  status: 201 | 202
  /** what the key's request hash covers; the request's body unless given */
  request?: unknown
  create: (resourceId: ObjectId, prepared: P) => Promise<B>
  /** runs beside the claim; `create` gets its result */
  prepare?: () => Promise<P>
  /** the Location of what was created */
  location: (body: B) => string
}

declare module 'fastify' {
  interface FastifyInstance {
    idempotency: {
      /** A creating route's whole answer: status, Location, Idempotent-Replayed on a replay, and the body. */
      created: <B, P = undefined>(request: FastifyRequest, reply: FastifyReply, creation: Creation<B, P>) => Promise<B>
    }
  }
}

export default fp(async function idempotency (fastify) {
  const keys = fastify.repos.idempotencyKeys
  // Keyed: a body may hold a password (adding a user), and a plain digest of it stored
  // for a day would be a fast target for guessing.
  const hashKey = createHmac('sha256', fastify.config.JWT_SECRET).update('haven idempotency request hash').digest()

  async function run<P> (agencyId: ObjectId, scope: string, key: string | undefined, body: unknown,
    create: (resourceId: ObjectId, prepared: P) => Promise<StoredResponse>, prepare?: () => Promise<P>): Promise<IdempotentResult> {
    const prepared = prepare?.() ?? Promise.resolve(undefined as P)
    if (key === undefined) return { ...await create(new ObjectId(), await prepared), replayed: false }
    // Its failure matters only to a request that goes on to create.
    prepared.catch(() => undefined)
    const hash = requestHash(body, hashKey)
    const claim = await keys.claim(agencyId, scope, key, hash, new ObjectId())
    if (claim.requestHash !== hash) {
      throw codedError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request; use a new key')
    }
    if (claim.response !== null) return { ...claim.response, replayed: true }
    const created = await create(claim.resourceId, await prepared)
    const first = await keys.complete(agencyId, claim._id, created)
    return { ...first, replayed: false }
  }

  fastify.decorate('idempotency', {
    async created<B, P> (request: FastifyRequest, reply: FastifyReply, creation: Creation<B, P>): Promise<B> {
      const key = request.headers['idempotency-key']
      const result = await run(request.auth.agencyId, creation.scope, typeof key === 'string' ? key : undefined, creation.request ?? request.body,
        async (resourceId, prepared: P) => ({ statusCode: creation.status, body: await creation.create(resourceId, prepared) }), creation.prepare)
      const body = result.body as B
      reply.code(result.statusCode).header('location', creation.location(body))
      if (result.replayed) reply.header('idempotent-replayed', 'true')
      return body
    }
  })
}, { name: 'idempotency', dependencies: ['repositories'] })
