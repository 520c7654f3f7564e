import { test } from 'tap'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { compileErrors, validate } from '@readme/openapi-parser'
import { ERROR_CODES } from '../../schemas/error.ts'
import { build } from '../helper.ts'

interface Response { description?: string, headers?: Record<string, unknown>, content?: Record<string, { schema?: { $ref?: string } }> }
interface Operation {
  operationId?: string
  summary?: string
  tags?: string[]
  security?: Array<Record<string, string[]>>
  parameters?: Array<{ in: string, name: string }>
  requestBody?: { content: Record<string, { schema: object, example?: unknown }> }
  responses?: Record<string, Response>
}

const root = path.resolve(import.meta.dirname, '..', '..')
// The operations anyone may call: signing in and up, health, and signed download links.
const PUBLIC = ['getLiveness', 'getReadiness', 'signUp', 'logIn', 'refreshTokens', 'logOut', 'downloadByLink'].sort()

test('the OpenAPI document is valid, committed as served, and describes every route', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(response.statusCode, 200)
  const document = response.json()

  const committed = JSON.parse(await readFile(path.join(root, 'openapi.json'), 'utf8'))
  t.same(committed, document, 'openapi.json is the document the app serves (npm run openapi writes it)')

  const result = await validate(structuredClone(document))
  t.ok(result.valid, result.valid ? 'valid OpenAPI 3.1' : compileErrors(result))

  const operations: Array<[string, string, Operation]> = []
  for (const [route, item] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, operation] of Object.entries(item)) operations.push([method.toUpperCase(), route, operation])
  }
  const v1 = operations.filter(([, route]) => route.startsWith('/v1/'))
  t.ok(v1.length >= 40, `${v1.length} /v1 operations documented`)
  for (const resource of ['auth', 'agency', 'users', 'properties', 'units', 'tenants', 'leases', 'charges', 'payments', 'maintenance-requests']) {
    t.ok(v1.some(([, route]) => route.startsWith(`/v1/${resource}`)), `${resource} is documented`)
  }

  const gaps: string[] = []
  for (const [method, route, operation] of v1) {
    const name = `${method} ${route}`
    if (operation.summary === undefined || operation.summary === '') gaps.push(`${name}: no summary`)
    if ((operation.tags ?? []).length === 0) gaps.push(`${name}: no tag`)
    const statuses = Object.keys(operation.responses ?? {})
    if (!statuses.some((status) => status.startsWith('2'))) gaps.push(`${name}: no success response`)
    if (!statuses.some((status) => status.startsWith('4'))) gaps.push(`${name}: no error response`)
    if ((method === 'POST' || method === 'PATCH') && operation.requestBody === undefined && !route.endsWith('/activation')) gaps.push(`${name}: no request body`)
    for (const param of route.match(/\{(\w+)\}/g) ?? []) {
      if (!(operation.parameters ?? []).some((p) => p.in === 'path' && `{${p.name}}` === param)) gaps.push(`${name}: path parameter ${param} undocumented`)
    }
  }
  t.same(gaps, [], 'every /v1 operation has a summary, a tag, success and error responses, its body and its path parameters')
  t.ok(document.components?.schemas?.ErrorResponse, 'the error body is a shared component')

  await t.test('paths and operation ids a generator can name things by', async (t) => {
    t.same(Object.keys(document.paths).filter((route) => route.endsWith('/')), [], 'no path ends with a slash')
    const ids = operations.map(([, , operation]) => operation.operationId)
    t.same(operations.filter(([, , operation]) => operation.operationId === undefined).map(([method, route]) => `${method} ${route}`), [], 'every operation has an operationId')
    t.same(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'operationIds are unique')
    t.same(ids.filter((id) => !/^[a-z][a-zA-Z]+$/.test(id ?? '')), [], 'operationIds are camelCase')
    t.match(Object.fromEntries(operations.map(([method, route, operation]) => [operation.operationId, `${method} ${route}`])), {
      listCharges: 'GET /v1/charges', createPayment: 'POST /v1/payments', getJob: 'GET /v1/jobs/{id}', createProperty: 'POST /v1/properties'
    })
  })

  await t.test('who may call what', async (t) => {
    t.same(document.components.securitySchemes, { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: document.components.securitySchemes.bearerAuth.description } })
    t.same(operations.filter(([, , operation]) => operation.security?.length === 0).map(([, , operation]) => operation.operationId).sort(), PUBLIC, 'sign-in, sign-up, refresh, logout, health and signed links need no token')
    const bearer = operations.filter(([, , operation]) => !PUBLIC.includes(operation.operationId!))
    t.same(bearer.filter(([, , operation]) => JSON.stringify(operation.security) !== '[{"bearerAuth":[]}]').map(([method, route]) => `${method} ${route}`), [], 'every other operation takes the bearer token')
  })

  await t.test('the answers every route can give, with their headers', async (t) => {
    const missing: string[] = []
    const header = (operation: Operation, status: string, name: string) => operation.responses?.[status]?.headers?.[name] !== undefined
    for (const [method, route, operation] of operations) {
      const name = `${method} ${route}`
      const responses = operation.responses ?? {}
      const health = route.startsWith('/health/')
      for (const status of health ? ['500'] : ['429', '500', '503']) {
        if (responses[status] === undefined) missing.push(`${name}: ${status}`)
      }
      for (const [status, answer] of Object.entries(responses)) {
        if (Number(status) >= 400 && route !== '/health/ready' && answer.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ErrorResponse' && !(route === '/v1/auth/login' && status === '409')) missing.push(`${name}: ${status} without the error schema`)
      }
      if (responses['429'] !== undefined && !['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'].every((h) => header(operation, '429', h))) missing.push(`${name}: 429 headers`)
      if (responses['503'] !== undefined && !header(operation, '503', 'Retry-After')) missing.push(`${name}: 503 Retry-After`)
      if (!health && !Object.keys(responses).filter((status) => status.startsWith('2')).every((status) => header(operation, status, 'RateLimit-Remaining'))) missing.push(`${name}: RateLimit-* on success`)
      if (method === 'GET' && responses['304'] !== undefined && !(header(operation, '200', 'ETag') && header(operation, '304', 'ETag'))) missing.push(`${name}: ETag`)
    }
    t.same(missing, [], 'every operation documents rate limiting, shedding and failures with the error schema and their headers')
    t.ok(document.paths['/v1/charges/{id}'].get.responses['304'], 'a JSON read documents 304')
    t.notOk(document.paths['/v1/jobs/{id}/download'].get.responses['304'], 'a file download does not')
    t.same(document.components.schemas.ErrorResponse.properties.code.enum, [...ERROR_CODES], 'the error code is an enum of every code Haven answers')
  })

  await t.test('every create body carries a valid example', async (t) => {
    const creates = operations.filter(([method, , operation]) => method === 'POST' && Object.keys(operation.responses ?? {}).some((status) => status === '201' || status === '202') && operation.requestBody?.content['application/json'] !== undefined)
    t.ok(creates.length >= 10, `${creates.length} JSON creates`)
    for (const [method, route, operation] of creates) {
      const body = operation.requestBody!.content['application/json']!
      if (route === '/v1/jobs/{id}/cancellation') continue // takes no body
      t.not(body.example, undefined, `${method} ${route} has an example`)
      t.same(app.validation.compile(body.schema as never)(structuredClone(body.example)), [], `${method} ${route}: its example is a valid body`)
    }
  })
})
