// What the two places that count sign-in attempts (Redis, and this process's
// copy for when Redis is away) share: the keys, the rules and the answers.
import { createHash } from 'node:crypto'

export interface Keys {
  /** failures (reserved attempts) of the name from one address */
  pair: string
  /** failures (reserved attempts) of the name from every address */
  account: string
  /** present while attempts from addresses that never signed in must wait */
  delay: string
  /** the agencies whose account of this name signed in from the address, each with when that stops counting */
  signedIn: string
}

/**
 * A name's keys. Hashed: they hold no email, and a name of any length makes a short key.
 * The hash is their Redis Cluster hash tag ({…}), so the scripts over them run on one slot.
 */
export function loginKeys (name: string, address: string): Keys {
  const tag = `login:{${createHash('sha256').update(name).digest('base64url').slice(0, 27)}}`
  return { pair: `${tag}:pair:${address}`, account: `${tag}:account`, delay: `${tag}:delay`, signedIn: `${tag}:signed-in:${address}` }
}

export interface Limits {
  maxPairFailures: number
  windowMs: number
  /** failures of a name before each further one delays the next attempt */
  delayAfter: number
  /** the delay after failure delayAfter + 1, + 2, …; the last one repeats */
  delays: number[]
  /** how long an address that signed in to an account skips that account's delay */
  knownMs: number
}

export function delaySteps (baseMs: number, maxMs: number): number[] {
  const steps = [Math.min(baseMs, maxMs)]
  while (steps.at(-1)! < maxMs) steps.push(Math.min(steps.at(-1)! * 2, maxMs))
  return steps
}

/** The wait imposed after the n-th failure of a name, or 0. */
export function delayAfter (limits: Limits, failures: number): number {
  const step = failures - limits.delayAfter
  return step <= 0 ? 0 : limits.delays[Math.min(step, limits.delays.length) - 1]!
}

export type Verdict =
  | { refused: 'pair' | 'delay', retryMs: number }
  | {
    refused: false
    /** the name's failures counting this attempt: the delay should it fail */
    failures: number
    /** how long this attempt holds back unknown addresses while it runs (0: it does not) */
    heldMs: number
    /** while the name is delayed: the only agencies this address may try */
    agencies: string[] | undefined
  }

/** What a right password proved. */
export interface SignedIn {
  agencies: string[]
  /** the accounts opened are all the name has: its earlier failures were against them only */
  allAccounts: boolean
}
