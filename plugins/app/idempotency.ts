// Idempotent creation for POST routes that take an Idempotency-Key header.
// The first request claims the key with the id of the resource it will create;
// a retry or a concurrent duplicate with the same key resumes creating that
// same resource (every step downstream is idempotent by that id) and answers
// with the first response once stored. A key reused for a different body is
// refused. Keys expire after a day. Work that does not need the resource's id
// (reading what the creation builds on) runs beside the claim, so the claim
// adds no round trip in sequence; a replay ignores it.
import fp from 'fastify-plugin'
import { ObjectId } from 'mongodb'
import { codedError } from './error-handler.ts'
import { requestHash, type StoredResponse } from './repositories/idempotency-keys.ts'

export interface IdempotentResult extends StoredResponse { replayed: boolean }

declare module 'fastify' {
  interface FastifyInstance {
    idempotency: {
      /** `prepare` runs beside the claim; `create` gets its result */
      run: <P = undefined>(agencyId: ObjectId, scope: string, key: string | undefined, body: unknown,
        create: (resourceId: ObjectId, prepared: P) => Promise<StoredResponse>, prepare?: () => Promise<P>) => Promise<IdempotentResult>
    }
  }
}

export default fp(async function idempotency (fastify) {
  const keys = fastify.repos.idempotencyKeys
  fastify.decorate('idempotency', {
    async run<P> (agencyId: ObjectId, scope: string, key: string | undefined, body: unknown,
      create: (resourceId: ObjectId, prepared: P) => Promise<StoredResponse>, prepare?: () => Promise<P>): Promise<IdempotentResult> {
      const prepared = prepare?.() ?? Promise.resolve(undefined as P)
      if (key === undefined) return { ...await create(new ObjectId(), await prepared), replayed: false }
      // Its failure matters only to a request that goes on to create.
      prepared.catch(() => undefined)
      const hash = requestHash(body)
      const claim = await keys.claim(agencyId, scope, key, hash, new ObjectId())
      if (claim.requestHash !== hash) {
        throw codedError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request; use a new key')
      }
      if (claim.response !== null) return { ...claim.response, replayed: true }
      const created = await create(claim.resourceId, await prepared)
      const first = await keys.complete(agencyId, claim._id, created)
      return { ...first, replayed: false }
    }
  })
}, { name: 'idempotency', dependencies: ['repositories'] })
