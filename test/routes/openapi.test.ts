import { test } from 'tap'
import { compileErrors, validate } from '@readme/openapi-parser'
import { build } from '../helper.ts'

interface Operation {
  summary?: string
  tags?: string[]
  parameters?: Array<{ in: string, name: string }>
  requestBody?: unknown
  responses?: Record<string, unknown>
}

test('the OpenAPI document is valid and describes every route', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(response.statusCode, 200)
  const document = response.json()

  const result = await validate(structuredClone(document))
  t.ok(result.valid, result.valid ? 'valid OpenAPI 3.1' : compileErrors(result))

  const operations: Array<[string, string, Operation]> = []
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, operation] of Object.entries(item)) operations.push([method.toUpperCase(), path, operation])
  }
  const v1 = operations.filter(([, path]) => path.startsWith('/v1/'))
  t.ok(v1.length >= 40, `${v1.length} /v1 operations documented`)
  for (const resource of ['auth', 'agency', 'users', 'properties', 'units', 'tenants', 'leases', 'charges', 'payments', 'maintenance-requests']) {
    t.ok(v1.some(([, path]) => path.startsWith(`/v1/${resource}`)), `${resource} is documented`)
  }

  const gaps: string[] = []
  for (const [method, path, operation] of v1) {
    const name = `${method} ${path}`
    if (operation.summary === undefined || operation.summary === '') gaps.push(`${name}: no summary`)
    if ((operation.tags ?? []).length === 0) gaps.push(`${name}: no tag`)
    const statuses = Object.keys(operation.responses ?? {})
    if (!statuses.some((status) => status.startsWith('2'))) gaps.push(`${name}: no success response`)
    if (!statuses.some((status) => status.startsWith('4'))) gaps.push(`${name}: no error response`)
    if ((method === 'POST' || method === 'PATCH') && operation.requestBody === undefined && !path.endsWith('/activation')) gaps.push(`${name}: no request body`)
    for (const param of path.match(/\{(\w+)\}/g) ?? []) {
      if (!(operation.parameters ?? []).some((p) => p.in === 'path' && `{${p.name}}` === param)) gaps.push(`${name}: path parameter ${param} undocumented`)
    }
  }
  t.same(gaps, [], 'every /v1 operation has a summary, a tag, success and error responses, its body and its path parameters')
  t.ok(document.components?.schemas?.ErrorResponse, 'the error body is a shared component')
})
