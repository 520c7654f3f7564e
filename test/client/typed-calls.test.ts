// The client's types catch a wrong path, method, body, query or field at
// compile time. fixtures/typed-calls.ts marks each wrong call with an
// expect-error directive: compiled as it is, it must pass (each marked line is
// an error); with the markers blanked, the compiler must report an error on
// each marked line and nowhere else. And the README's five lines compile, as
// a browser app's code.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..', '..')
const client = path.join(root, 'client')
/** the built client, as a module specifier a file elsewhere can import */
const built = JSON.stringify(path.join(client, 'dist', 'index.js'))
const fixture = path.join(import.meta.dirname, 'fixtures', 'typed-calls.ts')
const MARKER = /^\s*\/\/ @ts-expect-error\b.*$/

/**
 * tsc on one file; answers its exit code and the lines it found errors on. The client's own
 * TypeScript (5.x, what most of its users compile with); npm test's type check compiles the
 * fixture with the project's (7.x) too.
 */
async function compile (dir: string, source: string, settings: { extends?: string, compilerOptions?: Record<string, unknown> }): Promise<{ code: number, errorLines: number[], output: string }> {
  const file = path.join(dir, 'calls.mts') // an ES module, as the project's files are
  await writeFile(file, source)
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ ...settings, include: [], files: [file] }))
  const child = spawn(path.join(client, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? 1)))
  const errorLines = [...output.matchAll(/calls\.mts\((\d+),\d+\): error/g)].map((match) => Number(match[1]))
  return { code, errorLines: [...new Set(errorLines)], output }
}

/** The project's own settings. */
const projectSettings = { extends: path.join(root, 'tsconfig.json'), compilerOptions: { typeRoots: [path.join(root, 'node_modules', '@types')] } }

test('a wrong path, method, body, query or field does not compile', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'haven-typed-calls-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const source = (await readFile(fixture, 'utf8')).replace("'../../../client/dist/index.js'", built)
  const lines = source.split('\n')
  const marked = lines.flatMap((line, i) => MARKER.test(line) ? [i + 2] : [])
  t.ok(marked.length >= 10, `${marked.length} wrong calls in the fixture`)

  const asWritten = await compile(dir, source, projectSettings)
  t.equal(asWritten.code, 0, `the fixture compiles with its markers (every marked line is an error)\n${asWritten.output}`)

  const blanked = await compile(dir, lines.map((line) => MARKER.test(line) ? '' : line).join('\n'), projectSettings)
  t.not(blanked.code, 0, 'without the markers it does not compile')
  t.same(blanked.errorLines, marked, `errors on exactly the marked lines\n${blanked.output}`)
})

test('the README\'s five lines compile in a browser app', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'haven-readme-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const readme = await readFile(path.join(client, 'README.md'), 'utf8')
  const snippet = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  t.equal(snippet.trim().split('\n').length, 5, 'five lines')
  const browserApp = {
    compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom', 'dom.iterable'], types: [], skipLibCheck: true }
  }
  const compiled = await compile(dir, `${snippet.replace("'@haven/client'", built)}\nexport {}\n`, browserApp)
  t.equal(compiled.code, 0, `the README's code compiles against the built client\n${compiled.output}`)
})
