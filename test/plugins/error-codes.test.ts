// The document's error code enum (schemas/error.ts) lists every code the sources can
// answer with. The type checker holds codedError() and the error handler's tables to
// it; this finds the codes given any other way: an error object with a status and a
// code (rate limits, load shedding), or a body sent by hand.
import { test } from 'tap'
import { glob, readFile } from 'node:fs/promises'
import path from 'node:path'
import { ERROR_CODES } from '../../schemas/error.ts'

const root = path.resolve(import.meta.dirname, '..', '..')

// codedError(409, 'CODE' …), and { statusCode: …, code: 'CODE' } in either order within one object.
const PATTERNS = [
  /codedError\(\s*[^,]+,\s*'([A-Z][A-Z0-9_]+)'/g,
  /statusCode:[^{}]*?\bcode:\s*'([A-Z][A-Z0-9_]+)'/g,
  /\bcode:\s*'([A-Z][A-Z0-9_]+)'[^{}]*?statusCode:/g
]

async function codesInSources (): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  for await (const file of glob(['app.ts', 'server.ts', 'plugins/**/*.ts', 'routes/**/*.ts', 'jobs/**/*.ts'], { cwd: root })) {
    const text = await readFile(path.join(root, file), 'utf8')
    for (const pattern of PATTERNS) {
      // Fastify's own codes (FST_…) never leave: the error handler answers them with one of ours.
      for (const match of text.matchAll(pattern)) if (!match[1]!.startsWith('FST_')) found.set(match[1]!, file)
    }
  }
  return found
}

test('every error code the sources answer with is in the documented enum', async (t) => {
  const found = await codesInSources()
  t.ok(found.size >= 40, `${found.size} codes found in the sources`)
  for (const probe of ['RATE_LIMITED', 'AGENCY_RATE_LIMITED', 'AGENCY_CHOICE_REQUIRED', 'IDEMPOTENCY_KEY_REUSED']) t.ok(found.has(probe), `finds ${probe}`)
  const listed = new Set<string>(ERROR_CODES)
  t.same([...found].filter(([code]) => !listed.has(code)).map(([code, file]) => `${code} (${file})`), [], 'none is missing from ERROR_CODES')
  t.same(ERROR_CODES.filter((code, i) => ERROR_CODES.indexOf(code) !== i), [], 'none is listed twice')
})
