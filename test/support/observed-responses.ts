// What the suite saw the API answer, checked against the OpenAPI document: every
// (route, method, status) any test observes must be documented on that operation,
// and every error code must be in the document's enum. Each test process records
// the answers of the apps it builds (recordResponses, from the test helper) into
// a file of its own; scripts/test.ts runs checkObserved once every file has run.
import { mkdirSync, writeFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'

/** the environment variable naming the folder the records go to (set by scripts/test.ts) */
export const OBSERVED_DIR_VARIABLE = 'HAVEN_OBSERVED_DIR'

/** Routes the public document leaves out on purpose: the docs themselves and the operator's views. */
const UNDOCUMENTED = /^\/(docs|ops|metrics)(\/|$)/

interface Observed { method: string, route: string, status: number, code: string | null }

const seen = new Map<string, Observed>()
let writesOnExit = false

function errorCode (payload: unknown): string | null {
  if (typeof payload !== 'string') return null
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code
    return typeof code === 'string' ? code : null
  } catch {
    return null
  }
}

/** Records every answer of this app's routes, when the test run asked for it. */
export function recordResponses (app: FastifyInstance): void {
  const dir = process.env[OBSERVED_DIR_VARIABLE]
  if (dir === undefined || dir === '') return
  app.addHook('onSend', (request, reply, payload, done) => {
    const route = request.routeOptions.url
    if (route !== undefined) {
      const observed = { method: request.method, route, status: reply.statusCode, code: reply.statusCode >= 400 ? errorCode(payload) : null }
      seen.set(JSON.stringify(observed), observed)
    }
    done(null, payload)
  })
  if (writesOnExit) return
  writesOnExit = true
  process.on('exit', () => {
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, `${process.pid}.json`), JSON.stringify([...seen.values()]))
  })
}

interface Operation { responses?: Record<string, unknown> }
interface Document {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: { ErrorResponse: { properties: { code: { enum: string[] } } } } }
}

/** Fastify's route path as the document writes it: /v1/leases/:id → /v1/leases/{id}. */
export function documentPath (route: string): string {
  return route.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1')
}

/** The problems: answers the document does not describe. */
export async function checkObserved (documentFile: string, dir: string): Promise<{ observed: number, problems: string[] }> {
  const document = JSON.parse(await readFile(documentFile, 'utf8')) as Document
  const codes = new Set(document.components.schemas.ErrorResponse.properties.code.enum)
  const all = new Map<string, Observed>()
  for (const file of await readdir(dir).catch(() => [])) {
    for (const observed of JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Observed[]) all.set(JSON.stringify(observed), observed)
  }
  const problems = new Set<string>()
  for (const { method, route, status, code } of all.values()) {
    if (UNDOCUMENTED.test(route) || method === 'OPTIONS') continue
    const name = `${method} ${documentPath(route)}`
    const operation = document.paths[documentPath(route)]?.[method === 'HEAD' ? 'get' : method.toLowerCase()]
    if (operation === undefined) problems.add(`${name}: not in the document`)
    else if (operation.responses?.[String(status)] === undefined) problems.add(`${name}: answered ${status}${code === null ? '' : ` ${code}`}, not documented`)
    if (code !== null && !codes.has(code)) problems.add(`${name}: error code ${code} is not in ErrorResponse's enum`)
  }
  return { observed: all.size, problems: [...problems].sort() }
}
