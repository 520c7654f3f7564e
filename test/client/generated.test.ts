// client/src/schema.ts is generated from the OpenAPI document (npm run generate
// in client/) and committed: it must be what the generator makes of the document
// today, made without warnings.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

const client = path.resolve(import.meta.dirname, '..', '..', 'client')

test('the committed client types are what the generator makes of the document', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'haven-client-types-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const manifest = JSON.parse(await readFile(path.join(client, 'package.json'), 'utf8')) as { scripts: { generate: string } }
  // The generate script as written, with its output sent elsewhere.
  const [command, ...args] = manifest.scripts.generate.replace('src/schema.ts', path.join(dir, 'schema.ts')).split(' ')
  const child = spawn(path.join(client, 'node_modules', '.bin', command!), args, { cwd: client, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? 1)))
  t.equal(code, 0, output)
  t.notMatch(output, /warn|⚠/i, 'no warnings')
  const fresh = await readFile(path.join(dir, 'schema.ts'), 'utf8')
  const committed = await readFile(path.join(client, 'src', 'schema.ts'), 'utf8')
  t.ok(fresh === committed, 'client/src/schema.ts is current: run npm run generate in client/ and commit it')
})
