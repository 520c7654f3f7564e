// A generator's view of openapi.json: openapi-typescript turns it into types with
// its linter set to refuse what makes generated clients worse (an operation without
// an operationId, two with the same one, a trailing slash, a security scheme that is
// not defined...). It is the client's own generator (client/package.json, installed
// by npm test before the files run): it needs TypeScript 5's compiler API, which the
// TypeScript 7 this repository builds with does not have.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

const RULES = [
  'operation-operationId', 'operation-operationId-unique', 'operation-operationId-url-safe', 'operation-parameters-unique',
  'no-path-trailing-slash', 'no-identical-paths', 'no-ambiguous-paths', 'path-parameters-defined', 'security-defined', 'no-unresolved-refs'
]
const root = path.resolve(import.meta.dirname, '..', '..')
const GENERATOR = path.join(root, 'client', 'node_modules', '.bin', 'openapi-typescript')

function run (command: string, args: string[], cwd: string): Promise<{ code: number | null, output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

test('openapi-typescript generates types from openapi.json with no warning', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'haven-openapi-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(path.join(dir, 'redocly.yaml'), `rules:\n${RULES.map((rule) => `  ${rule}: error`).join('\n')}\n`)
  const output = path.join(dir, 'haven.d.ts')
  const generated = await run(GENERATOR, [path.join(root, 'openapi.json'), '--redocly', path.join(dir, 'redocly.yaml'), '--output', output], dir)
  t.equal(generated.code, 0, 'the generator succeeds')
  t.notMatch(generated.output, /✘|warn|error/i, 'and reports no problem')
  const types = await readFile(output, 'utf8')
  for (const id of ['listCharges', 'createPayment', 'getJob', 'createImport']) t.match(types, new RegExp(`\\b${id}: \\{`), `the operations are named (${id})`)
})
