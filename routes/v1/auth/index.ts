// Sign-up, login, refresh and logout: the only public /v1 routes. Login is
// rate-limited per address and per account; sign-up per address.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LoginBody, RefreshBody, SignupBody, SignupResponse, Tokens } from '../../../schemas/auth.ts'
import { errors } from '../../../schemas/common.ts'
import { presentAgency } from '../../../plugins/app/repositories/agencies.ts'
import { presentUser } from '../../../plugins/app/repositories/users.ts'
import { normaliseEmail } from '../../../plugins/app/sessions.ts'

const auth: FastifyPluginAsyncTypebox = async (fastify) => {
  const { LOGIN_MAX_PER_ADDRESS, LOGIN_MAX_PER_ACCOUNT, LOGIN_WINDOW_MS } = fastify.config
  const perAddress = { max: LOGIN_MAX_PER_ADDRESS, timeWindow: LOGIN_WINDOW_MS, keyGenerator: (request: { ip: string }) => `auth-ip:${request.ip}` }
  const perAccount = fastify.rateLimit({
    max: LOGIN_MAX_PER_ACCOUNT,
    timeWindow: LOGIN_WINDOW_MS,
    keyGenerator: (request) => `auth-account:${normaliseEmail((request.body as { email: string }).email)}`
  })

  fastify.post('/signup', {
    config: { public: true, rateLimit: perAddress },
    schema: {
      tags: ['auth'],
      summary: 'Create an agency and its owner; answers with the owner\'s tokens',
      body: SignupBody,
      response: { 201: SignupResponse, ...errors(400, 409, 429) }
    }
  }, async (request, reply) => {
    const { user, agency, ...tokens } = await fastify.sessions.signup(request.body)
    reply.code(201)
    return { ...tokens, user: presentUser(user), agency: presentAgency(agency) }
  })

  fastify.post('/login', {
    config: { public: true, rateLimit: perAddress },
    preHandler: perAccount,
    schema: {
      tags: ['auth'],
      summary: 'Exchange email and password for an access token and a refresh token',
      body: LoginBody,
      response: { 200: Tokens, ...errors(400, 401, 403, 429) }
    }
  }, async (request) => fastify.sessions.login(request.body.email, request.body.password))

  fastify.post('/refresh', {
    config: { public: true, rateLimit: perAddress },
    schema: {
      tags: ['auth'],
      summary: 'Exchange a refresh token (single use) for a new token pair',
      body: RefreshBody,
      response: { 200: Tokens, ...errors(400, 401, 429) }
    }
  }, async (request) => fastify.sessions.refresh(request.body.refreshToken))

  fastify.post('/logout', {
    config: { public: true },
    schema: {
      tags: ['auth'],
      summary: 'Revoke a refresh token and every token rotated from the same login',
      body: RefreshBody,
      response: { 204: { type: 'null', description: 'Signed out (also when the token was unknown)' }, ...errors(400) }
    }
  }, async (request, reply) => {
    await fastify.sessions.logout(request.body.refreshToken)
    return reply.code(204).send(null)
  })
}

export default auth
