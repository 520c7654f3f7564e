// server.ts's shutdown as a load balancer sees it: on SIGTERM readiness turns false at once
// (503, draining), requests are still served meanwhile with Connection: close, and only after
// SHUTDOWN_DRAIN_MS does the process close and exit 0.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { testContext } from '../helper.ts'
import { freePort } from '../../bench/servers/process.ts'
import { waitFor } from '../support/wait-for.ts'

const root = path.resolve(import.meta.dirname, '..', '..')
// Long enough for a busy machine to watch the drain: readiness false, a request served meanwhile.
const DRAIN_MS = 10_000

test('SIGTERM: readiness false first, requests still served with Connection: close, exit 0 after the drain', async (t) => {
  const context = await testContext(t)
  const port = await freePort()
  const child = spawn(process.execPath, ['server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, ...context.env, PORT: String(port), SHUTDOWN_DRAIN_MS: String(DRAIN_MS) },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { child.kill('SIGKILL') })
  const base = `http://127.0.0.1:${port}`

  t.ok(await waitFor('the server to be ready', async () => {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${stderr}`)
    return await fetch(`${base}/health/ready`).then((r) => r.status === 200, () => false)
  }, { intervalMs: 100, context: () => stderr }), 'ready before the signal')

  const signalled = performance.now()
  child.kill('SIGTERM')
  // Fetched while the process lives: past the drain it closes, and a fetch fails the wait.
  const ready = await waitFor('readiness to turn false', async () => {
    const answer = await fetch(`${base}/health/ready`)
    return answer.status === 503 && answer
  }, { intervalMs: 20 })
  const body = await ready.json() as { status: string, draining?: boolean }
  t.equal(body.status, 'not-ready', `readiness turns false (after ${Math.round(performance.now() - signalled)} ms)`)
  t.equal(body.draining, true, 'and says it is draining')
  t.ok(ready.headers.get('retry-after'), 'with Retry-After')

  const live = await fetch(`${base}/health/live`)
  t.equal(live.status, 200, 'requests are still served while draining')
  t.equal(live.headers.get('connection'), 'close', 'and their connections closed after the response')

  const code = await exited
  const tookMs = performance.now() - signalled
  t.equal(code, 0, 'exits 0', { stderr })
  t.ok(tookMs >= DRAIN_MS, `only after the drain (${Math.round(tookMs)} ms ≥ ${DRAIN_MS} ms)`)
})
