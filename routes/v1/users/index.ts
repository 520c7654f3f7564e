// Agency staff: every role reads the list; admins and the owner add, change and
// disable users (staff-rules.ts says who may change whom); everyone changes their
// own password. DELETE disables: the user's history stays, the sessions end.
// An email is unique within the agency only: whether it has accounts at other
// agencies is never told, and never stops an agency from adding that person.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { ObjectId } from 'mongodb'
import { errors, IdempotencyHeaders, IdParams, Page } from '../../../schemas/common.ts'
import { Tokens } from '../../../schemas/auth.ts'
import { PasswordChange, User, UserCreate, UserListQuery, UserPatch } from '../../../schemas/user.ts'
import { presentUser } from '../../../plugins/app/repositories/users.ts'
import { pageOptions } from '../../../plugins/app/repositories/cursor.ts'
import { isDuplicateKey } from '../../../plugins/app/repositories/agency-collection.ts'
import type { UserRecord } from '../../../plugins/app/repositories/users.ts'
import { codedError } from '../../../plugins/app/error-handler.ts'
import { normaliseEmail } from '../../../plugins/app/sessions.ts'
import { hasRole } from '../../../plugins/app/tenancy.ts'
import { staffRefusal, type Actor, type StaffChange } from './staff-rules.ts'

const users: FastifyPluginAsyncTypebox = async (fastify) => {
  const repo = fastify.repos.users
  const { sessions } = fastify
  const notFound = () => fastify.httpErrors.notFound('No such user')
  const forbidden = (message: string) => codedError(403, 'FORBIDDEN', message)
  const changedMeanwhile = () => codedError(409, 'CONFLICT', 'This user\'s role changed while the request ran; read the user again and retry')

  // Staff management decides on the caller's role as stored now, not as it was
  // when the access token was signed: a demoted or disabled administrator loses
  // these powers at once rather than when the token expires.
  async function currentActor (request: FastifyRequest): Promise<Actor> {
    const me = await repo.findById(request.auth.agencyId, request.auth.userId)
    if (me === null || me.status !== 'active' || !hasRole(me.role, 'admin')) {
      throw forbidden('Managing users needs the admin role or higher, and an active account')
    }
    return { userId: me._id, role: me.role }
  }

  async function authorise (request: FastifyRequest, target: UserRecord | null, change: StaffChange): Promise<void> {
    const refusal = staffRefusal(await currentActor(request), target, change)
    if (refusal !== null) throw forbidden(refusal)
  }

  fastify.get('/', {
    schema: {
      operationId: 'listUsers',
      tags: ['users'],
      summary: 'List the agency\'s staff, by keyset page',
      description: 'Filters: role, status (together or alone). Sorts: name, createdAt (prefix - for descending). updatedSince lists changes oldest first.',
      querystring: UserListQuery,
      response: { 200: Page(User), ...errors(400, 401) }
    }
  }, async (request) => {
    const { role, status, ...page } = request.query
    const result = await repo.list(request.auth.agencyId, {
      equals: { status, role },
      ...pageOptions(page, 'name')
    })
    return { items: result.items.map(presentUser), nextCursor: result.nextCursor }
  })

  fastify.get('/me', {
    schema: { operationId: 'getCurrentUser', tags: ['users'], summary: 'The caller\'s own user', response: { 200: User, ...errors(401, 404) } }
  }, async (request) => {
    const record = await repo.findById(request.auth.agencyId, request.auth.userId)
    if (record === null) throw notFound()
    return presentUser(record)
  })

  fastify.get('/:id', {
    schema: { operationId: 'getUser', tags: ['users'], summary: 'One user', params: IdParams, response: { 200: User, ...errors(400, 401, 404) } }
  }, async (request) => {
    const record = await repo.findById(request.auth.agencyId, new ObjectId(request.params.id))
    if (record === null) throw notFound()
    return presentUser(record)
  })

  fastify.post('/', {
    config: { minRole: 'admin' },
    schema: {
      operationId: 'createUser',
      tags: ['users'],
      summary: 'Add a staff member (admin; only the owner adds admins; nobody adds an owner)',
      description: 'The email is stored lowercase and must not belong to another user of this agency (409 EMAIL_TAKEN); accounts the same email may have at other agencies make no difference.',
      headers: IdempotencyHeaders,
      body: UserCreate,
      response: { 201: User, ...errors(400, 401, 403, 409, 422) }
    }
  }, async (request, reply) => {
    const { email, name, role, password } = request.body
    await authorise(request, null, { role })
    return await fastify.idempotency.created(request, reply, {
      scope: 'users.create',
      status: 201,
      async create (id) {
        const now = new Date()
        const record: UserRecord = {
          _id: id, agencyId: request.auth.agencyId, email: normaliseEmail(email), name, role, status: 'active',
          passwordHash: await fastify.passwords.hash(password), sessionVersion: 0, createdAt: now, updatedAt: now
        }
        try {
          return presentUser(await repo.create(record))
        } catch (err) {
          if (isDuplicateKey(err)) throw codedError(409, 'EMAIL_TAKEN', 'This agency already has a user with this email')
          throw err
        }
      },
      location: (user) => `/v1/users/${user.id}`
    })
  })

  fastify.patch('/:id', {
    config: { minRole: 'admin' },
    schema: {
      operationId: 'updateUser',
      tags: ['users'],
      summary: 'Change a user\'s name, role or status (admin)',
      description: 'Nobody changes their own role or status; the owner\'s account is changed by the owner only, never its role or status; only the owner makes, changes or disables admins; the owner role is never granted (403 FORBIDDEN). A new role or status ends the user\'s access tokens on every instance within seconds (401 TOKEN_REVOKED; after a role change a refresh gives a token with the new role); disabling also ends their refresh tokens. 409 CONFLICT if the user\'s role changed while the request ran.',
      params: IdParams,
      body: UserPatch,
      response: { 200: User, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => {
    const { agencyId } = request.auth
    const id = new ObjectId(request.params.id)
    const target = await repo.findById(agencyId, id)
    if (target === null) throw notFound()
    await authorise(request, target, request.body)
    const record = await sessions.changeUser(agencyId, id, request.body, { role: target.role })
    if (record === null) throw changedMeanwhile()
    return presentUser(record)
  })

  fastify.delete('/:id', {
    config: { minRole: 'admin' },
    schema: {
      operationId: 'disableUser',
      tags: ['users'],
      summary: 'Disable a user (admin): they can no longer log in, and their sessions end',
      description: 'Not yourself, not the owner; only the owner disables admins (403 FORBIDDEN). Disabling a disabled user answers it unchanged; PATCH status active enables again.',
      params: IdParams,
      response: { 200: User, ...errors(400, 401, 403, 404, 409) }
    }
  }, async (request) => {
    const { agencyId } = request.auth
    const id = new ObjectId(request.params.id)
    const target = await repo.findById(agencyId, id)
    if (target === null) throw notFound()
    await authorise(request, target, { status: 'disabled' })
    const record = target.status === 'disabled' ? target : await sessions.changeUser(agencyId, id, { status: 'disabled' }, { role: target.role })
    if (record === null) throw changedMeanwhile()
    return presentUser(record)
  })

  fastify.post('/me/password', {
    config: { minRole: 'viewer' },
    schema: {
      operationId: 'changePassword',
      tags: ['users'],
      summary: 'Change the caller\'s password; every session ends and a new token pair answers',
      description: 'A wrong current password answers 403 INVALID_CURRENT_PASSWORD; wrong guesses are limited like logins (429 TOO_MANY_FAILED_LOGINS, LOGIN_DELAYED). On success every token of the user is revoked (other devices must log in again) and this client continues with the returned pair.',
      body: PasswordChange,
      response: { 200: Tokens, ...errors(400, 401, 403, 429) }
    }
  }, async (request) => {
    const { agencyId, userId } = request.auth
    const { currentPassword, newPassword } = request.body
    // Guessing the current password with a stolen access token is as limited as guessing it at login.
    const agency = agencyId.toHexString()
    const proof = await fastify.loginThrottle.attempt(`password-change:${userId.toHexString()}`, request.ip, agency, async () => {
      const me = await repo.findWithPassword(agencyId, userId)
      // One user is all the accounts this name has: a success forgets its failures.
      return await fastify.passwords.verify(me?.passwordHash, currentPassword) && me !== null ? { me, agencies: [agency], allAccounts: true } : null
    })
    if (proof === null) throw codedError(403, 'INVALID_CURRENT_PASSWORD', 'The current password is not right')
    const { me } = proof
    if (me.status !== 'active') throw codedError(403, 'ACCOUNT_DISABLED', 'This account is disabled; ask an administrator of your agency')
    const changed = await sessions.changeUser(agencyId, userId, { passwordHash: await fastify.passwords.hash(newPassword) })
    if (changed === null) throw notFound()
    // The client has just proved the new credentials: it continues with a fresh session.
    return await sessions.start(changed)
  })
}

export default users
