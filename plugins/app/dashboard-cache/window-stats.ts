// Hit, miss and stale counts per cache in 10-second buckets over the last 15
// minutes, so the cache-stats route can give a hit rate over recent windows.
const BUCKET_MS = 10_000
const BUCKETS = 90

export type Outcome = 'hit' | 'miss' | 'stale' | 'coalesced' | 'bypass'

interface Bucket { start: number, counts: Record<Outcome, number> }

const zero = (): Record<Outcome, number> => ({ hit: 0, miss: 0, stale: 0, coalesced: 0, bypass: 0 })

export class WindowStats {
  private readonly buckets: Bucket[] = []

  record (outcome: Outcome, now = Date.now()): void {
    const start = now - (now % BUCKET_MS)
    let last = this.buckets.at(-1)
    if (last === undefined || last.start !== start) {
      last = { start, counts: zero() }
      this.buckets.push(last)
      if (this.buckets.length > BUCKETS) this.buckets.shift()
    }
    last.counts[outcome]++
  }

  /** Counts and hit rate ((hit + stale) / all) over the last `ms`. */
  over (ms: number, now = Date.now()): Record<Outcome, number> & { requests: number, hitRate: number | null } {
    const counts = zero()
    for (const bucket of this.buckets) {
      if (bucket.start + BUCKET_MS <= now - ms) continue
      for (const outcome of Object.keys(counts) as Outcome[]) counts[outcome] += bucket.counts[outcome]
    }
    const requests = Object.values(counts).reduce((a, b) => a + b, 0)
    return { ...counts, requests, hitRate: requests === 0 ? null : (counts.hit + counts.stale) / requests }
  }
}
