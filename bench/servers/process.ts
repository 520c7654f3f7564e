// The servers under test run as child processes of the harness: started with their own
// environment, awaited until they answer, sampled from /proc while they are driven, and
// stopped (also when the harness is interrupted: see stopAll).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** how long a server may take to answer its ready path; its plugins get as long to start (haven.ts) */
export const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 10_000
const LOG_TAIL_LINES = 40
/** Every server's whole output, for the post-mortem of a run (git-ignored, like the reports). */
export const SERVER_LOG_DIR = path.join(import.meta.dirname, '..', 'results', 'logs')

export interface ServerProcess {
  name: string
  pid: number
  baseUrl: string
  /** the last lines the server printed, for an error message */
  logTail: () => string
  stop: () => Promise<void>
}

const running = new Set<ChildProcess>()

/** Kills every server still running; for the harness's exit paths. */
export function killAll (): void {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
}

export async function freePort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface StartOptions {
  name: string
  args: string[]
  env: NodeJS.ProcessEnv
  port: number
  /** answers 200 once the server can take load */
  readyPath: string
  cwd: string
}

/** Starts `node <args>` and resolves once readyPath answers 200 (within 60 s). */
export async function startServer (options: StartOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  const lines: string[] = []
  mkdirSync(SERVER_LOG_DIR, { recursive: true })
  const logFile = createWriteStream(path.join(SERVER_LOG_DIR, `${options.name}-${new Date().toISOString().replace(/[:.]/g, '-')}-${child.pid}.log`))
  // 'close', not 'exit': output can still arrive after the process has exited.
  child.once('close', () => logFile.end())
  const keep = (chunk: Buffer) => {
    logFile.write(chunk)
    lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''))
    lines.splice(0, Math.max(0, lines.length - LOG_TAIL_LINES))
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running.delete(child)
    resolve()
  }))
  let hasExited = false
  void exited.then(() => { hasExited = true })

  const baseUrl = `http://127.0.0.1:${options.port}`
  const logTail = () => lines.join('\n')
  const stop = async () => {
    if (hasExited) return
    child.kill('SIGTERM')
    const stopped = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)])
    if (!stopped) {
      child.kill('SIGKILL')
      await exited
    }
  }

  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (hasExited) throw new Error(`${options.name} exited before it was ready:\n${logTail()}`)
    const status = await fetch(`${baseUrl}${options.readyPath}`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status, () => 0)
    if (status === 200) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${options.name} did not answer ${options.readyPath} with 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${status}):\n${logTail()}`)
    }
    await sleep(100)
  }
  return { name: options.name, pid: child.pid!, baseUrl, logTail, stop }
}

// --- resource sampling ------------------------------------------------------------

let ticksPerSecond: number | undefined

function clockTicks (): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  return ticksPerSecond
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
async function cpuSeconds (pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (stat === undefined) return undefined
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / clockTicks()
}

async function rssBytes (pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined)
  const kb = status === undefined ? undefined : /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
  return kb === undefined ? undefined : Number(kb) * 1024
}

export interface Usage {
  /** highest resident set size seen, in MB */
  rssPeakMB: number
  /** CPU time over wall time, in percent of one core (above 100 when several threads work) */
  cpuPct: number
}

export interface Sampler { stop: () => Promise<Usage> }

const SAMPLE_MS = 200

/** Samples a process's RSS every 200 ms and its CPU time at both ends, until stopped. */
export async function sampleUsage (pid: number): Promise<Sampler> {
  const startedAt = performance.now()
  const cpuAtStart = await cpuSeconds(pid) ?? 0
  let peak = await rssBytes(pid) ?? 0
  const timer = setInterval(() => {
    void rssBytes(pid).then((rss) => { if (rss !== undefined && rss > peak) peak = rss })
  }, SAMPLE_MS)
  // A sampler left running by an error path must not keep the harness alive.
  timer.unref()
  return {
    async stop () {
      clearInterval(timer)
      const rss = await rssBytes(pid)
      if (rss !== undefined && rss > peak) peak = rss
      const cpu = (await cpuSeconds(pid) ?? cpuAtStart) - cpuAtStart
      const wall = (performance.now() - startedAt) / 1000
      return { rssPeakMB: round(peak / 2 ** 20, 1), cpuPct: round((cpu / wall) * 100, 1) }
    }
  }
}

export function round (value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
