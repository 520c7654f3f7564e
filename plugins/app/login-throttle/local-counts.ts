// This process's copy of the sign-in counts: it follows every attempt made here,
// and answers instead of Redis while Redis is away, so the limits then hold per
// instance instead of failing open. The same rules as the Redis scripts
// (redis-counts.ts); being synchronous, each step here is atomic by itself.
import { LRUCache } from 'lru-cache'
import { delayAfter, type Keys, type Limits, type SignedIn, type Verdict } from './counts.ts'

/** entries of each map; the oldest go first when an attack sprays names */
const LOCAL_MAX = 50_000

export class LocalCounts {
  private readonly limits: Limits
  private readonly counts: LRUCache<string, number>
  /** the delay keys: '1' for a delay, an attempt's token while it holds one */
  private readonly delays: LRUCache<string, string>
  private readonly signedIn: LRUCache<string, Map<string, number>>

  constructor (limits: Limits) {
    this.limits = limits
    this.counts = new LRUCache({ max: LOCAL_MAX, ttl: limits.windowMs })
    this.delays = new LRUCache({ max: LOCAL_MAX, ttl: limits.windowMs })
    this.signedIn = new LRUCache({ max: LOCAL_MAX, ttl: limits.knownMs })
  }

  reserve (keys: Keys, agency: string | undefined, token: string, now: number): Verdict {
    if ((this.counts.get(keys.pair) ?? 0) >= this.limits.maxPairFailures) return { refused: 'pair', retryMs: this.counts.getRemainingTTL(keys.pair) }
    const delayMs = this.delays.has(keys.delay) ? this.delays.getRemainingTTL(keys.delay) : 0
    let agencies: string[] | undefined
    if (delayMs > 0) {
      const known = [...this.known(keys, now).keys()]
      agencies = agency === undefined ? known : known.filter((id) => id === agency)
      if (agencies.length === 0) return { refused: 'delay', retryMs: delayMs }
    }
    const failures = this.count(keys)
    const heldMs = delayMs > 0 ? 0 : delayAfter(this.limits, failures)
    this.hold(keys, token, heldMs)
    return { refused: false, failures, heldMs, agencies }
  }

  /** Follows an attempt Redis reserved. */
  follow (keys: Keys, token: string, heldMs: number): void {
    this.count(keys)
    this.hold(keys, token, heldMs)
  }

  failed (keys: Keys, delayMs: number): void {
    this.delays.set(keys.delay, '1', { ttl: delayMs })
  }

  refund (keys: Keys, token: string, now: number, signedIn?: SignedIn): void {
    if (signedIn?.allAccounts === true) this.counts.delete(keys.pair)
    else this.decrement(keys.pair)
    this.decrement(keys.account)
    if (this.delays.get(keys.delay) === token) this.delays.delete(keys.delay)
    if (signedIn === undefined || signedIn.agencies.length === 0) return
    const known = this.known(keys, now)
    for (const agency of signedIn.agencies) known.set(agency, now + this.limits.knownMs)
    this.signedIn.set(keys.signedIn, known)
  }

  /** the agencies signed in to from the key's address, with until when */
  private known (keys: Keys, now: number): Map<string, number> {
    return new Map([...this.signedIn.get(keys.signedIn) ?? []].filter(([, until]) => until > now))
  }

  private count (keys: Keys): number {
    this.counts.set(keys.pair, (this.counts.get(keys.pair) ?? 0) + 1)
    const failures = (this.counts.get(keys.account) ?? 0) + 1
    this.counts.set(keys.account, failures)
    return failures
  }

  private hold (keys: Keys, token: string, heldMs: number): void {
    if (heldMs > 0) this.delays.set(keys.delay, token, { ttl: heldMs })
  }

  private decrement (key: string): void {
    const count = this.counts.get(key) ?? 0
    if (count > 0) this.counts.set(key, count - 1, { noUpdateTTL: true })
  }
}
