// A generator's view of openapi.json: openapi-typescript turns it into types with
// its linter set to refuse what makes generated clients worse (an operation without
// an operationId, two with the same one, a trailing slash, a security scheme that is
// not defined...). It runs through npm exec at pinned versions rather than from
// devDependencies: it needs TypeScript 5's compiler API, which the TypeScript 7 this
// repository builds with does not have, and npm refuses the two side by side.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

const GENERATOR = ['--package=openapi-typescript@7.13.0', '--package=typescript@5.9.3']
const RULES = [
  'operation-operationId', 'operation-operationId-unique', 'operation-operationId-url-safe', 'operation-parameters-unique',
  'no-path-trailing-slash', 'no-identical-paths', 'no-ambiguous-paths', 'path-parameters-defined', 'security-defined', 'no-unresolved-refs'
]
const root = path.resolve(import.meta.dirname, '..', '..')

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
  const generated = await run('npm', ['exec', '--yes', ...GENERATOR, '--', 'openapi-typescript', path.join(root, 'openapi.json'), '--redocly', path.join(dir, 'redocly.yaml'), '--output', output], dir)
  t.equal(generated.code, 0, 'the generator succeeds')
  t.notMatch(generated.output, /✘|warn|error/i, 'and reports no problem')
  const types = await readFile(output, 'utf8')
  for (const id of ['listCharges', 'createPayment', 'getJob', 'createImport']) t.match(types, new RegExp(`\\b${id}: \\{`), `the operations are named (${id})`)
})
