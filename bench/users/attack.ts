// One vegeta attack at a constant rate: `vegeta attack -lazy` reads each target from our stdin
// when its turn comes, and `vegeta encode` turns its results into JSON lines we read back. The
// targets are written a little ahead of the schedule (LEAD_S), by the clock, never paced by the
// answers: that is what keeps the load open-loop.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Target } from './workload.ts'

const LEAD_S = 0.5
const TICK_MS = 50
/** a request without an answer after this is an error (code 0) */
export const REQUEST_TIMEOUT_S = 10
/** bodies are read for cursors, tokens and job ids; lists of 25 are far below this */
const MAX_BODY_BYTES = 256 * 1024

export interface VegetaResult {
  /** when vegeta sent it */
  timestamp: string
  /** nanoseconds */
  latency: number
  /** 0: no HTTP answer (refused, reset, timed out) */
  code: number
  error: string
  /** base64 */
  body: string | null
  method: string
  url: string
  headers: Record<string, string[]> | null
}

export interface AttackOptions {
  vegeta: string
  /** requests per second */
  rate: number
  durationS: number
  /** the next request to send; called as the schedule reaches it */
  next: () => Target
  onResult: (result: VegetaResult) => void
}

const running = new Set<ChildProcess>()

/** Stops every attack at once (Ctrl-C): vegeta reports what it sent and exits. */
export function stopAttacks (): void {
  for (const child of running) child.kill('SIGINT')
}

export async function attack (options: AttackOptions): Promise<{ sent: number }> {
  const attacker = spawn(options.vegeta, [
    'attack', '-lazy', '-format=json',
    `-rate=${Math.max(1, Math.round(options.rate * 1000))}/1000s`,
    `-duration=${options.durationS}s`,
    `-timeout=${REQUEST_TIMEOUT_S}s`,
    `-max-body=${MAX_BODY_BYTES}`,
    '-redirects=-1'
  ], { stdio: ['pipe', 'pipe', 'pipe'] })
  const encoder = spawn(options.vegeta, ['encode', '--to', 'json'], { stdio: ['pipe', 'pipe', 'pipe'] })
  // Listened for at once: it may come before the last result is read.
  const encoderClosed = once(encoder, 'close')
  for (const child of [attacker, encoder]) {
    running.add(child)
    child.once('exit', () => running.delete(child))
  }
  attacker.stdout.pipe(encoder.stdin)
  let stderr = ''
  attacker.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2_000) })
  encoder.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2_000) })

  const lines = createInterface({ input: encoder.stdout })
  const read = (async () => {
    for await (const line of lines) {
      if (line === '') continue
      const result = JSON.parse(line) as VegetaResult
      // vegeta's own note when the target stream ended; not a request.
      if (result.method === '' && result.error === 'no targets to attack') continue
      options.onResult(result)
    }
  })()

  let sent = 0
  let finished = false
  const attackerExit = once(attacker, 'exit').then(([code]) => { finished = true; return code as number | null })
  attacker.stdin.on('error', () => { finished = true })
  const started = performance.now()
  const total = Math.round(options.rate * options.durationS)
  while (!finished && sent < total) {
    const due = Math.min(total, Math.ceil(((performance.now() - started) / 1000 + LEAD_S) * options.rate))
    let lines = ''
    while (sent < due) {
      lines += `${JSON.stringify(options.next())}\n`
      sent++
    }
    if (lines !== '' && !attacker.stdin.write(lines)) await Promise.race([once(attacker.stdin, 'drain'), attackerExit])
    await sleep(TICK_MS)
  }
  // Every target is written: vegeta reads the rest from the pipe, and a rounding extra finds the end.
  attacker.stdin.end()
  const code = await attackerExit
  await read
  await encoderClosed
  if (code !== 0 && code !== null) throw new Error(`vegeta attack exited with ${code}: ${stderr}`)
  return { sent }
}
