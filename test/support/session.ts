// Signs up agencies and adds staff through the real API and repositories, and
// wraps app.inject with the caller's bearer token.
import { randomBytes } from 'node:crypto'
import { ObjectId } from 'mongodb'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { App } from '../helper.ts'
import type { Role } from '../../plugins/app/repositories/users.ts'

export interface Caller {
  agencyId: string
  userId: string
  role: Role
  email: string
  password: string
  accessToken: string
  refreshToken: string
  request: (options: InjectOptions) => Promise<LightMyRequestResponse>
  get: (url: string, headers?: Record<string, string>) => Promise<LightMyRequestResponse>
  post: (url: string, payload?: unknown, headers?: Record<string, string>) => Promise<LightMyRequestResponse>
  patch: (url: string, payload: unknown) => Promise<LightMyRequestResponse>
  delete: (url: string) => Promise<LightMyRequestResponse>
}

export const PASSWORD = 'correct horse battery'

export function uniqueEmail (label = 'user'): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.test`
}

function caller (app: App, base: Omit<Caller, 'request' | 'get' | 'post' | 'patch' | 'delete'>): Caller {
  const request = (options: InjectOptions) => app.inject({
    ...options,
    headers: { authorization: `Bearer ${base.accessToken}`, ...(options.headers ?? {}) }
  })
  return {
    ...base,
    request,
    get: (url, headers = {}) => request({ method: 'GET', url, headers }),
    post: (url, payload, headers = {}) => request({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers }),
    patch: (url, payload) => request({ method: 'PATCH', url, payload: payload as InjectOptions['payload'] }),
    delete: (url) => request({ method: 'DELETE', url })
  }
}

export async function signup (app: App, agencyName = 'Test Lettings'): Promise<Caller> {
  const email = uniqueEmail('owner')
  const response = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { agencyName, name: 'Olive Owner', email, password: PASSWORD } })
  if (response.statusCode !== 201) throw new Error(`signup failed: ${response.statusCode} ${response.body}`)
  const body = response.json()
  return caller(app, {
    agencyId: body.agency.id, userId: body.user.id, role: 'owner', email, password: PASSWORD, accessToken: body.accessToken, refreshToken: body.refreshToken
  })
}

/** A staff member of the owner's agency with the given role, logged in. */
export async function staff (app: App, owner: Caller, role: Role): Promise<Caller> {
  const email = uniqueEmail(role)
  const now = new Date()
  await app.repos.users.create({
    _id: new ObjectId(), agencyId: new ObjectId(owner.agencyId), email, name: `A ${role}`, role, status: 'active',
    passwordHash: await app.passwords.hash(PASSWORD), sessionVersion: 0, createdAt: now, updatedAt: now
  })
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: PASSWORD } })
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`)
  const body = login.json()
  const claims = app.jwt.decode<{ sub: string }>(body.accessToken)
  return caller(app, { agencyId: owner.agencyId, userId: claims!.sub, role, email, password: PASSWORD, accessToken: body.accessToken, refreshToken: body.refreshToken })
}
