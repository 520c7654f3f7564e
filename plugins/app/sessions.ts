// Sign-up, login, token refresh and logout, and the user changes that end
// sessions. An access token is a short-lived JWT carrying the user, agency,
// role and session version; a refresh token is opaque, stored hashed, single
// use and rotated (see the refresh-tokens repository).
// One email may have an account at several agencies (repositories/users.ts).
// Login names the agency, or tries the email's accounts: when the password
// opens several, the caller picks one (the agencies are listed only to someone
// who has just proved the password of each).
import fp from 'fastify-plugin'
import { ObjectId } from 'mongodb'
import { codedError } from './error-handler.ts'
import type { SignedIn } from './login-throttle/index.ts'
import type { AgencyRecord } from './repositories/agencies.ts'
import type { UserChange, UserRecord } from './repositories/users.ts'

export interface TokenPair { accessToken: string, refreshToken: string, tokenType: 'Bearer', expiresIn: number }

export interface SignupInput {
  agencyName: string
  name: string
  email: string
  password: string
  currency?: string | undefined
  timeZone?: string | undefined
}

export interface LoginInput { email: string, password: string, agencyId?: string | undefined }

/** The password opened accounts at several agencies: the caller names one. */
export interface AgencyChoice { agencies: Array<{ id: string, name: string }> }

declare module 'fastify' {
  interface FastifyInstance {
    sessions: {
      signup: (input: SignupInput) => Promise<TokenPair & { user: UserRecord, agency: AgencyRecord }>
      /** `address`: the client's, for the login throttle */
      login: (input: LoginInput, address: string) => Promise<TokenPair | AgencyChoice>
      refresh: (refreshToken: string) => Promise<TokenPair>
      logout: (refreshToken: string) => Promise<void>
      /** a new session for a user who has just proved their credentials (after a password change) */
      start: (user: UserRecord) => Promise<TokenPair>
      /**
       * Changes a user (see UsersRepository.update). A new role, status or password
       * ends their access tokens on every instance; disabling and a new password also
       * end their refresh tokens. Null when the user's role or status changed meanwhile.
       */
      changeUser: (agencyId: ObjectId, id: ObjectId, change: UserChange, expected?: Partial<Pick<UserRecord, 'role' | 'status'>>) => Promise<UserRecord | null>
    }
  }
}

/**
 * Accounts of one email tried by a login that names no agency. Each costs a
 * password hash, so the number is bounded; a person with more accounts names
 * the agency (agencyId).
 */
export const MAX_ACCOUNTS_TRIED = 10

const invalidCredentials = () => codedError(401, 'INVALID_CREDENTIALS', 'Wrong email or password')

export function normaliseEmail (email: string): string {
  return email.trim().toLowerCase()
}

export default fp(async function sessions (fastify) {
  const { repos, passwords, config, loginThrottle, sessionRevocations } = fastify

  async function issue (user: Pick<UserRecord, '_id' | 'agencyId' | 'role' | 'sessionVersion'>, familyId?: ObjectId): Promise<TokenPair> {
    const accessToken = await fastify.jwt.sign({ sub: user._id.toHexString(), agency: user.agencyId.toHexString(), role: user.role, ver: user.sessionVersion ?? 0 })
    const refreshToken = await repos.refreshTokens.issue(user._id, user.agencyId, config.REFRESH_TOKEN_TTL_S, familyId)
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: config.ACCESS_TOKEN_TTL_S }
  }

  /**
   * The accounts this password opens (every candidate is hashed, so the time does not say
   * which matched), among the accounts at `agencies` when given, and whether they are all
   * the email's accounts; null when it opens none.
   */
  async function accountsOpened (email: string, password: string, agencies: string[] | undefined): Promise<SignedIn & { opened: UserRecord[] } | null> {
    const candidates = agencies === undefined
      ? await repos.users.globalFindByEmailForLogin(email, MAX_ACCOUNTS_TRIED)
      : (await Promise.all(agencies.slice(0, MAX_ACCOUNTS_TRIED).map((id) => repos.users.findByEmailForLogin(new ObjectId(id), email)))).filter((user) => user !== null)
    if (candidates.length === 0) {
      await passwords.verify(undefined, password)
      return null
    }
    const verdicts = await Promise.all(candidates.map((user) => passwords.verify(user.passwordHash, password)))
    const opened = candidates.filter((_user, i) => verdicts[i] === true)
    if (opened.length === 0) return null
    const allAccounts = opened.length === 1 && (agencies === undefined ? candidates.length === 1 : await repos.users.globalCountByEmail(email, 2) === 1)
    return { opened, agencies: opened.map((user) => user.agencyId.toHexString()), allAccounts }
  }

  fastify.decorate('sessions', {
    async signup (input) {
      const now = new Date()
      const agency: AgencyRecord = {
        _id: new ObjectId(), name: input.agencyName, currency: input.currency ?? 'USD', timeZone: input.timeZone ?? 'UTC', createdAt: now, updatedAt: now
      }
      const user: UserRecord = {
        _id: new ObjectId(), agencyId: agency._id, email: normaliseEmail(input.email), name: input.name, role: 'owner', status: 'active',
        passwordHash: await passwords.hash(input.password), sessionVersion: 0, createdAt: now, updatedAt: now
      }
      // The agency first: an owner never points at a missing agency. Should the owner
      // not be written, the fresh agency is removed again.
      await repos.agencies.create(agency)
      try {
        await repos.users.create(user)
      } catch (err) {
        await repos.agencies.remove(agency._id)
        throw err
      }
      return { ...await issue(user), user, agency }
    },

    async login ({ email, password, agencyId }, address) {
      const name = normaliseEmail(email)
      // While the email is delayed, an address tries only the accounts it signed in to before.
      const proof = await loginThrottle.attempt(name, address, agencyId, (known) => accountsOpened(name, password, known ?? (agencyId === undefined ? undefined : [agencyId])))
      if (proof === null) throw invalidCredentials()
      const { opened } = proof
      const active = opened.filter((user) => user.status === 'active')
      if (active.length === 0) throw codedError(403, 'ACCOUNT_DISABLED', 'This account is disabled; ask an administrator of your agency')
      if (active.length === 1) return await issue(active[0]!)
      const agencies = await Promise.all(active.map((user) => repos.agencies.findById(user.agencyId)))
      return { agencies: agencies.filter((agency) => agency !== null).map((agency) => ({ id: agency._id.toHexString(), name: agency.name })) }
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
    },

    start: (user) => issue(user),

    async changeUser (agencyId, id, change, expected = {}) {
      const record = await repos.users.update(agencyId, id, change, expected)
      if (record === null) return null
      if (change.role !== undefined || change.status !== undefined || change.passwordHash !== undefined) {
        await sessionRevocations.revoked(id, record.sessionVersion ?? 0)
      }
      if (change.status === 'disabled' || change.passwordHash !== undefined) await repos.refreshTokens.revokeAllOfUser(agencyId, id)
      return record
    }
  })
}, { name: 'sessions', dependencies: ['repositories', 'passwords', 'jwt', 'login-throttle', 'session-revocations'] })
