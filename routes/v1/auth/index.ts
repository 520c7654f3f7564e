// Sign-up, login, refresh and logout: the only public /v1 routes. Every attempt
// counts against the client network's budget (LOGIN_MAX_PER_ADDRESS, the
// rate limiter); login failures are also counted per account and address and
// per account (plugins/app/login-throttle/).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AgencyChoice, LoginBody, RefreshBody, SignupBody, SignupResponse, Tokens } from '../../../schemas/auth.ts'
import { errors } from '../../../schemas/common.ts'
import { clientNetwork } from '../../../plugins/external/rate-limit/client-network.ts'
import { presentAgency } from '../../../plugins/app/repositories/agencies.ts'
import { presentUser } from '../../../plugins/app/repositories/users.ts'

const auth: FastifyPluginAsyncTypebox = async (fastify) => {
  const { LOGIN_MAX_PER_ADDRESS, LOGIN_WINDOW_MS } = fastify.config
  const perAddress = { max: LOGIN_MAX_PER_ADDRESS, timeWindow: LOGIN_WINDOW_MS, keyGenerator: (request: { ip: string }) => `auth-ip:${clientNetwork(request.ip)}` }

  fastify.post('/signup', {
    config: { public: true, rateLimit: perAddress },
    schema: {
      operationId: 'signUp',
      tags: ['auth'],
      summary: 'Create an agency and its owner; answers with the owner\'s tokens',
      description: 'The email may already have accounts at other agencies: each agency\'s account is its own (role, password, status).',
      body: SignupBody,
      response: { 201: SignupResponse, ...errors(400, 429) }
    }
  }, async (request, reply) => {
    const { user, agency, ...tokens } = await fastify.sessions.signup(request.body)
    reply.code(201)
    return { ...tokens, user: presentUser(user), agency: presentAgency(agency) }
  })

  fastify.post('/login', {
    config: { public: true, rateLimit: perAddress },
    schema: {
      operationId: 'logIn',
      tags: ['auth'],
      summary: 'Exchange email and password for an access token and a refresh token',
      description: 'Without agencyId, the email\'s accounts at every agency are tried: when the password opens one, it signs in there; when it opens several, 409 AGENCY_CHOICE_REQUIRED lists them and the client logs in again with agencyId. ' +
        'Wrong passwords are limited per account and address (429 TOO_MANY_FAILED_LOGINS) and, past many failures from anywhere, slowed per account (429 LOGIN_DELAYED, with Retry-After) except from addresses that signed in to the account before.',
      body: LoginBody,
      response: { 200: Tokens, 409: AgencyChoice, ...errors(400, 401, 403, 429) }
    }
  }, async (request, reply) => {
    const outcome = await fastify.sessions.login(request.body, request.ip)
    if ('accessToken' in outcome) return outcome
    return reply.code(409).send({
      statusCode: 409,
      code: 'AGENCY_CHOICE_REQUIRED',
      error: 'Conflict',
      message: 'This email and password open accounts at several agencies: log in again with agencyId set to one of them',
      requestId: request.id,
      agencies: outcome.agencies
    })
  })

  fastify.post('/refresh', {
    config: { public: true, rateLimit: perAddress },
    schema: {
      operationId: 'refreshTokens',
      tags: ['auth'],
      summary: 'Exchange a refresh token (single use) for a new token pair',
      body: RefreshBody,
      response: { 200: Tokens, ...errors(400, 401, 429) }
    }
  }, async (request) => fastify.sessions.refresh(request.body.refreshToken))

  fastify.post('/logout', {
    config: { public: true },
    schema: {
      operationId: 'logOut',
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
