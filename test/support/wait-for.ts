// The one way a test waits: poll for the condition it needs, with a bound generous for a
// slow, shared machine (two cores, other suites running beside this one). A test never
// sleeps a guessed time and asserts at a fixed moment: on a busy machine that moment comes
// before the condition does, and on a quiet one the sleep is wasted.
import { setTimeout as sleep } from 'node:timers/promises'

/** The default bound: far above what any condition takes on a quiet machine. */
export const PATIENCE_MS = 60_000

export interface WaitOptions {
  timeoutMs?: number
  intervalMs?: number
  /** what the timeout's message adds (the last state seen, a log tail) */
  context?: () => string
}

/**
 * Calls check until it returns something other than undefined, null or false, and returns
 * that; an error it throws fails the wait at once. Past timeoutMs it throws, naming what it
 * waited for.
 */
export async function waitFor<T> (what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = PATIENCE_MS, intervalMs = 50 } = options
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const result = await check()
    if (result !== undefined && result !== null && result !== false) return result
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${options.context === undefined ? '' : `\n${options.context()}`}`)
    await sleep(intervalMs)
  }
}
