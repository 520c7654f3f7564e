// Process plumbing shared by the services: running commands, detached servers, pid files, ports.
import { execFile, spawn } from 'node:child_process'
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 30_000
const POLL_MS = 150

/** Progress goes to stderr so stdout stays the machine-readable NAME=value lines. */
export function logProgress (profile: string, message: string): void {
  process.stderr.write(`stack[${profile}]: ${message}\n`)
}

export interface RunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** run as this OS user through runuser (the caller must be root) */
  user?: string
}

/** Runs a command to completion and returns its stdout; the error carries its output. */
export function run (command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const [file, argv] = options.user === undefined
    ? [command, args]
    : ['runuser', ['-u', options.user, '--', command, ...args]]
  return new Promise((resolve, reject) => {
    execFile(file, argv, { cwd: options.cwd, env: options.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const output = `${stderr}${stdout}`.trim()
        reject(new Error(`${[file, ...argv].join(' ')} failed: ${error.message.split('\n')[0]}${output ? `\n${output}` : ''}`))
      } else {
        resolve(stdout)
      }
    })
  })
}

/** Starts a server that outlives this script; its stdout and stderr are appended to logFile. */
export async function spawnDetached (command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const log = await open(logFile, 'a')
  try {
    const child = spawn(command, args, { detached: true, env, stdio: ['ignore', log.fd, log.fd] })
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject)
      child.once('spawn', () => resolve(child.pid as number))
    })
    child.unref()
    return pid
  } finally {
    await log.close()
  }
}

export function findExecutable (name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue
    const candidate = path.join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // not in this folder
    }
  }
  return undefined
}

export function isRoot (): boolean {
  return process.getuid?.() === 0
}

export function isPortOpen (port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect({ port, host })
    const done = (open: boolean) => {
      socket.destroy()
      resolve(open)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

const hasProcfs = existsSync('/proc/self/cmdline')

/**
 * The live process named in pidFile (its first line), or undefined. programName must appear
 * in the process's command line: a pid file left behind by a crash or a reboot may name a
 * pid that now belongs to an unrelated process.
 */
export async function runningPid (pidFile: string, programName: string): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(pidFile, 'utf8')
  } catch {
    return undefined
  }
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10)
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  return await isAlive(pid, programName) ? pid : undefined
}

async function isAlive (pid: number, programName: string): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (!hasProcfs) return true
  // A zombie (exited, not yet reaped) has an empty command line, so it counts as gone.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  return cmdline.includes(programName)
}

/** Sends signal, waits for the process to exit, and kills it if it has not after 30 s. */
export async function stopProcess (pid: number, programName: string, signal: NodeJS.Signals): Promise<void> {
  process.kill(pid, signal)
  if (await waitForExit(pid, programName, STOP_TIMEOUT_MS)) return
  process.kill(pid, 'SIGKILL')
  if (!await waitForExit(pid, programName, 5_000)) {
    throw new Error(`process ${pid} (${programName}) survived SIGKILL`)
  }
}

async function waitForExit (pid: number, programName: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!await isAlive(pid, programName)) return true
    await sleep(POLL_MS)
  }
  return false
}

export interface WaitForPortOptions {
  what: string
  port: number
  logFile: string
  /** false once the server process has exited, which ends the wait early */
  isRunning: () => Promise<boolean>
}

export async function waitForPort ({ what, port, logFile, isRunning }: WaitForPortOptions): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  while (!await isPortOpen(port)) {
    if (!await isRunning()) {
      throw new Error(`${what} exited before accepting connections on 127.0.0.1:${port}; see ${logFile}`)
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} did not accept connections on 127.0.0.1:${port} within ${START_TIMEOUT_MS / 1000} s; see ${logFile}`)
    }
    await sleep(POLL_MS)
  }
}
