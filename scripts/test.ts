// npm test: bring up the test stack (or use the *_URL servers given), build the
// typed client (client/, whose tests import its build), migrate the
// PostgreSQL template the test files clone, type-check while tap runs the files
// (several at once, longest first: test-order.ts), stop the stack, list the slowest
// files (after a full run, every file's time goes to test/durations.json), and end with
// one line "N passed, N failed" counted from tap's TAP output.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { glob, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { stackDown, stackUp } from './stack.ts'
import { ensureOpsTools } from './stack/ops-tools.ts'
import { crossSlotErrors } from './stack/redis-cluster.ts'
import { dropLeftoverDatabases, dropTemplate, prepareTemplate } from '../test/support/databases.ts'
import { countResults } from './tap-summary.ts'
import { durationsFrom, longestFirst, readDurations, slowestFiles } from './test-order.ts'
import { checkObserved, OBSERVED_DIR_VARIABLE } from '../test/support/observed-responses.ts'

const root = path.resolve(import.meta.dirname, '..')
const SLOWEST_SHOWN = 10

// Runs a command with its output kept for counting, and shown as it comes (echo) or kept.
function run (command: string, args: string[], env: NodeJS.ProcessEnv = process.env, echo = true, cwd = root): Promise<{ code: number, output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      if (echo) process.stdout.write(chunk)
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code: code ?? (signal !== null ? 1 : 0), output: Buffer.concat(chunks).toString('utf8') }))
  })
}

// The typed client (client/) is built for its tests, which import client/dist: its own
// dependencies (installed again only when its manifest or lockfile changed), then tsc.
async function buildClient (): Promise<{ code: number, output: string }> {
  const client = path.join(root, 'client')
  const stampFile = path.join(client, 'node_modules', '.haven-install-stamp')
  const manifests = await Promise.all(['package.json', 'package-lock.json'].map((name) => readFile(path.join(client, name))))
  const stamp = `${process.version} ${createHash('sha256').update(Buffer.concat(manifests)).digest('hex')}`
  if (await readFile(stampFile, 'utf8').catch(() => '') !== stamp) {
    const install = await run('npm', ['ci', '--no-audit', '--no-fund'], process.env, false, client)
    if (install.code !== 0) return install
    await writeFile(stampFile, stamp)
  }
  return await run(path.join(client, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], process.env, false, client)
}

const summaryFile = path.join(root, '.tap', 'summary.txt')
await rm(summaryFile, { force: true }) // never report a previous run's line
// Every answer the tests see, per test process, for the contract check after them.
const observedDir = path.join(root, '.tap', 'observed')
await rm(observedDir, { recursive: true, force: true })

// Prometheus, promtool, amtool and Chromium: the operators' tools some tests run for real.
const [urls, , clientBuild] = await Promise.all([stackUp('test'), ensureOpsTools('test'), buildClient()])
if (clientBuild.code !== 0) process.stderr.write(`client/ did not build:\n${clientBuild.output}\n`)
// This run's id names its databases, so runs sharing a server never collide.
const runId = String(process.pid)
const env = { ...process.env, ...urls, HAVEN_TEST_RUN: runId, [OBSERVED_DIR_VARIABLE]: observedDir }
await dropLeftoverDatabases(urls.DATABASE_URL)
await prepareTemplate(urls.DATABASE_URL, runId)

const bin = (name: string) => path.join(root, 'node_modules', '.bin', name)
const args = process.argv.slice(2)
// Files run several at once: most of their time is spent waiting on the servers, a child
// process or a clock, so a machine runs one more of them than it has cores (tap's own
// default on 2 cores is one at a time). Measured on 2 busy cores: 3 at once took half the
// time of 1; 4 took longer than 3 and starved a file past its deadline. HAVEN_TEST_JOBS
// overrides, as does --jobs.
const jobs = args.some((arg) => /^(-j|--jobs)/.test(arg)) ? [] : [`--jobs=${process.env.HAVEN_TEST_JOBS ?? availableParallelism() + 1}`]
// Without files named: every file, longest first.
const durationsFile = path.join(root, 'test', 'durations.json')
const everyFile = !args.some((arg) => !arg.startsWith('-'))
const found: string[] = []
if (everyFile) for await (const file of glob('test/**/*.test.ts', { cwd: root })) found.push(file)
const files = longestFirst(found, await readDurations(durationsFile))

// test/cluster/ runs Haven's Redis tests again on the Redis Cluster; none may reach a node with keys across slots.
const crossSlotBefore = urls.REDIS_CLUSTER_URL === undefined ? 0 : await crossSlotErrors(urls.REDIS_CLUSTER_URL)
process.stderr.write('type-checking while the tests run…\n')
const started = performance.now()
const [typecheck, tests] = await Promise.all([
  run(bin('tsc'), ['--noEmit', '-p', '.'], process.env, false),
  run(bin('tap'), ['run', ...jobs, ...args, ...files], env)
])
const tapSeconds = (performance.now() - started) / 1000
process.stdout.write(typecheck.output)
const crossSlot = urls.REDIS_CLUSTER_URL === undefined ? 0 : await crossSlotErrors(urls.REDIS_CLUSTER_URL) - crossSlotBefore

await dropTemplate(urls.DATABASE_URL, runId)
// The servers this run started stop with it (those given by *_URL are not ours);
// HAVEN_KEEP_STACK=1 keeps them for the next run, a few seconds sooner.
if (process.env.HAVEN_KEEP_STACK !== '1') await stackDown('test')

const counts = countResults(tests.output)
// One more test: the OpenAPI document describes every answer the tests above observed.
const contract = await checkObserved(path.join(root, 'openapi.json'), observedDir)
if (contract.problems.length > 0) {
  process.stderr.write(`answers the tests observed that openapi.json does not document (${contract.problems.length}):\n${contract.problems.map((problem) => `  ${problem}`).join('\n')}\n`)
  counts.failed += 1
} else {
  process.stdout.write(`ok - openapi.json documents all ${contract.observed} (route, status, code) answers the tests observed\n`)
  counts.passed += 1
}
if (typecheck.code !== 0) counts.failed += 1 // the type check counts as one failed test
if (clientBuild.code !== 0) counts.failed += 1 // and so does the client's build
if (crossSlot > 0) {
  process.stderr.write(`the Redis Cluster answered ${crossSlot} CROSSSLOT error(s) during the tests: a command, script or transaction spanned hash slots\n`)
  counts.failed += 1
}
const line = `${counts.passed} passed, ${counts.failed} failed` + (counts.skipped > 0 ? `, ${counts.skipped} skipped` : '')
await mkdir(path.join(root, '.tap'), { recursive: true })
await writeFile(summaryFile, `${line}\n`)
const durations = durationsFrom(tests.output)
// A full run's times order the next run (and are committed with the code for a fresh clone).
if (everyFile) await writeFile(durationsFile, `${JSON.stringify(durations, null, 2)}\n`)
process.stdout.write(`${Object.keys(durations).length} files in ${tapSeconds.toFixed(0)} s; the slowest${everyFile ? ' (every file\'s time is in test/durations.json)' : ''}:\n`)
process.stdout.write(`${slowestFiles(durations, SLOWEST_SHOWN).join('\n')}\n`)
process.stdout.write(`${line}\n`)
process.exit(typecheck.code !== 0 || clientBuild.code !== 0 || crossSlot > 0 || contract.problems.length > 0 ? 1 : tests.code)
