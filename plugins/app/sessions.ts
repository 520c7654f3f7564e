// Sign-up, login, token refresh and logout. An access token is a short-lived
// JWT carrying the user, agency and role; a refresh token is opaque, stored
// hashed, single use and rotated (see the refresh-tokens repository).
import fp from 'fastify-plugin'
import { ObjectId } from 'mongodb'
import { codedError } from './error-handler.ts'
import { isDuplicateKey } from './repositories/agency-collection.ts'
import type { AgencyRecord } from './repositories/agencies.ts'
import type { UserRecord } from './repositories/users.ts'

export interface TokenPair { accessToken: string, refreshToken: string, tokenType: 'Bearer', expiresIn: number }

export interface SignupInput {
  agencyName: string
  name: string
  email: string
  password: string
  currency?: string | undefined
  timeZone?: string | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: {
      signup: (input: SignupInput) => Promise<TokenPair & { user: UserRecord, agency: AgencyRecord }>
      login: (email: string, password: string) => Promise<TokenPair>
      refresh: (refreshToken: string) => Promise<TokenPair>
      logout: (refreshToken: string) => Promise<void>
    }
  }
}

const invalidCredentials = () => codedError(401, 'INVALID_CREDENTIALS', 'Wrong email or password')

export function normaliseEmail (email: string): string {
  return email.trim().toLowerCase()
}

export default fp(async function sessions (fastify) {
  const { repos, passwords, config } = fastify

  async function issue (user: Pick<UserRecord, '_id' | 'agencyId' | 'role'>, familyId?: ObjectId): Promise<TokenPair> {
    const accessToken = await fastify.jwt.sign({ sub: user._id.toHexString(), agency: user.agencyId.toHexString(), role: user.role })
    const refreshToken = await repos.refreshTokens.issue(user._id, user.agencyId, config.REFRESH_TOKEN_TTL_S, familyId)
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: config.ACCESS_TOKEN_TTL_S }
  }

  fastify.decorate('sessions', {
    async signup (input) {
      const now = new Date()
      const agency: AgencyRecord = {
        _id: new ObjectId(), name: input.agencyName, currency: input.currency ?? 'USD', timeZone: input.timeZone ?? 'UTC', createdAt: now, updatedAt: now
      }
      const user: UserRecord = {
        _id: new ObjectId(), agencyId: agency._id, email: normaliseEmail(input.email), name: input.name, role: 'owner', status: 'active',
        passwordHash: await passwords.hash(input.password), createdAt: now, updatedAt: now
      }
      // The agency first: an owner never points at a missing agency. If the email is
      // taken, the unique index refuses the owner and the fresh agency is removed.
      await repos.agencies.create(agency)
      try {
        await repos.users.create(user)
      } catch (err) {
        await repos.agencies.remove(agency._id)
        if (isDuplicateKey(err)) throw codedError(409, 'EMAIL_TAKEN', 'An account with this email already exists')
        throw err
      }
      return { ...await issue(user), user, agency }
    },

    async login (email, password) {
      const user = await repos.users.globalFindByEmailForLogin(normaliseEmail(email))
      if (!await passwords.verify(user?.passwordHash, password) || user === null) throw invalidCredentials()
      if (user.status !== 'active') throw codedError(403, 'ACCOUNT_DISABLED', 'This account is disabled; ask an administrator of your agency')
      return await issue(user)
    },

    async refresh (refreshToken) {
      const outcome = await repos.refreshTokens.globalConsume(refreshToken)
      if (!outcome.ok) {
        if (outcome.reason === 'reused') throw codedError(401, 'REFRESH_TOKEN_REUSED', 'This refresh token was already used; every session it started has been signed out')
        throw codedError(401, 'INVALID_REFRESH_TOKEN', 'Unknown or expired refresh token; log in again')
      }
      // The role may have changed and the account may be disabled since the last token.
      const user = await repos.users.findById(outcome.token.agencyId, outcome.token.userId)
      if (user === null || user.status !== 'active') throw codedError(401, 'INVALID_REFRESH_TOKEN', 'This account can no longer sign in')
      return await issue(user, outcome.token.familyId)
    },

    async logout (refreshToken) {
      await repos.refreshTokens.globalRevoke(refreshToken)
    }
  })
}, { name: 'sessions', dependencies: ['repositories', 'passwords', 'jwt'] })
