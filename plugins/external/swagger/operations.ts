// What every operation of the document says beyond its route's own schema: who may
// call it, the answers any route of its kind can give (the hooks before a handler
// answer them, so no route lists them itself), and the headers those answers carry.
// The suite checks the result: every (route, status) it observes is documented
// (test/support/observed-responses.ts).
import { STATUS_CODES } from 'node:http'
import type { RouteOptions } from 'fastify'
import { Errors } from '../../../schemas/common.ts'

type Schema = Record<string, unknown>
type Responses = Record<string, Schema>

export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The access token from POST /v1/auth/login, /signup or /refresh: Authorization: Bearer <access token>'
  }
} as const

const header = (description: string, schema: Schema = { type: 'string' }) => ({ ...schema, description })
const HEADERS = {
  location: { Location: header('where the created resource is (a job: its status route)') },
  replayed: { 'Idempotent-Replayed': header('present on a replay: the first answer to this Idempotency-Key, nothing created again', { type: 'string', enum: ['true'] }) },
  etag: { ETag: header('a weak tag of the body: send it as If-None-Match to get 304 while it is unchanged') },
  retryAfter: { 'Retry-After': header('seconds to wait before trying again', { type: 'integer', minimum: 0 }) },
  rateLimit: {
    'RateLimit-Limit': header('requests allowed in the window', { type: 'integer', minimum: 0 }),
    'RateLimit-Remaining': header('requests left in the window', { type: 'integer', minimum: 0 }),
    'RateLimit-Reset': header('seconds until the window starts again', { type: 'integer', minimum: 0 })
  }
}

const NOT_MODIFIED = { type: 'null', description: 'Not modified: If-None-Match still matches the ETag' }
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

function withHeaders (response: Schema, headers: Schema): Schema {
  return { ...response, headers: { ...response.headers as Schema | undefined, ...headers } }
}

function methodOf (route: RouteOptions): string {
  return Array.isArray(route.method) ? String(route.method[0]) : String(route.method)
}

/** A JSON answer (not a file or an event stream): ETag and 304 apply. */
function answersJson (schema: Schema): boolean {
  const produces = schema.produces as string[] | undefined
  return produces === undefined || produces.includes('application/json')
}

/** An answer whose content is JSON whatever the route produces otherwise. */
function inJson ({ description, headers, ...schema }: Schema): Schema {
  return { description, ...(headers === undefined ? {} : { headers }), content: { 'application/json': { schema } } }
}

/** The operation's security and its full set of answers, from the route's schema and config. */
export function describeOperation (schema: Schema, url: string, route: RouteOptions): Schema {
  const config = route.config ?? {}
  const method = methodOf(route)
  const authenticated = url.startsWith('/v1/') && config.public !== true
  // As plugins/app/tenancy.ts decides: reads need a viewer, writes a manager, unless the route says.
  const minRole = config.minRole ?? (method === 'GET' ? 'viewer' : 'manager')
  const rateLimited = config.rateLimit !== false
  const shed = config.pressureHandler === undefined
  const takesBody = BODY_METHODS.has(method)
  const creates = method === 'POST' && (schema.headers as { properties?: Schema } | undefined)?.properties?.['idempotency-key'] !== undefined

  const responses: Responses = { ...schema.response as Responses | undefined }
  const add = (status: keyof typeof Errors) => { responses[status] ??= Errors[status] as unknown as Schema }
  if (takesBody || schema.params !== undefined || schema.querystring !== undefined || schema.headers !== undefined) add(400)
  if (authenticated) add(401)
  if (authenticated && minRole !== 'viewer') add(403)
  if (takesBody) {
    add(413)
    add(415)
  }
  if (rateLimited) add(429)
  add(500)
  // Shedding, and on /v1 a sign-in state this instance cannot vouch for.
  if (shed || authenticated) add(503)
  if (method === 'GET' && answersJson(schema)) responses['304'] ??= NOT_MODIFIED

  for (const [status, answer] of Object.entries(responses)) {
    // A route that answers a file or a stream still answers its errors in JSON.
    const response = Number(status) >= 400 && !answersJson(schema) ? inJson(answer) : answer
    let headers: Schema = {}
    if (status.startsWith('2') && rateLimited) headers = { ...headers, ...HEADERS.rateLimit }
    if (status === '429') headers = { ...headers, ...HEADERS.rateLimit, ...HEADERS.retryAfter }
    if (status === '503') headers = { ...headers, ...HEADERS.retryAfter }
    if ((status === '200' || status === '304') && method === 'GET' && answersJson(schema)) headers = { ...headers, ...HEADERS.etag }
    if (creates && (status === '201' || status === '202')) headers = { ...headers, ...HEADERS.location, ...HEADERS.replayed }
    const described = response.description === undefined ? { ...response, description: STATUS_CODES[Number(status)] } : response
    responses[status] = Object.keys(headers).length > 0 ? withHeaders(described, headers) : described
  }
  return { ...schema, security: authenticated ? [{ bearerAuth: [] }] : [], response: responses }
}
