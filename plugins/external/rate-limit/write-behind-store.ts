// A @fastify/rate-limit store that keeps the limit shared across instances in
// Redis without a Redis round trip on every request (that round trip was the
// largest cost of a cached read). Counts are fixed windows aligned on the
// clock ("<key>:<window number>"), so every instance counts into the same Redis
// key. Each instance answers from its own count plus the total Redis last
// reported, and adds its new requests to Redis with one INCRBY per key every
// FLUSH_MS (auto-pipelined: one write per Redis node). The price: across N
// instances a client can exceed the limit by what it sends in FLUSH_MS to each
// of them. Limits small enough for that to matter (logins: a few attempts per
// window) run exact instead: one atomic INCR per request (a MULTI on its one
// key, so one Redis Cluster slot), answered from Redis. When Redis is unreachable, both kinds
// keep limiting per instance (exact ones from a count of their own kept beside
// Redis's) instead of failing open.
import type { RedisClient } from '../redis/index.ts'

const FLUSH_MS = 100
/** below this many requests per window, every request is counted in Redis before it is answered */
export const EXACT_BELOW = 100

interface Counter {
  window: number
  /** counted here, not yet added in Redis */
  pending: number
  /** the window's total in Redis at the last flush (this instance's flushed requests included) */
  shared: number
}

type Callback = (err: Error | null, result?: { current: number, ttl: number }) => void

interface RouteParams { max?: unknown, routeInfo?: { method?: string | string[], url?: string } }

export function writeBehindStore (redis: RedisClient, prefix: string, onFlushError: (err: unknown) => void) {
  return class WriteBehindStore {
    readonly prefix: string
    readonly exact: boolean
    readonly counters = new Map<string, Counter>()
    /** exact limits: this instance's own count, the answer while Redis is unreachable */
    readonly exactCounts = new Map<string, { window: number, count: number }>()
    prunedWindow = 0
    timer: NodeJS.Timeout | null = null

    constructor (params: object = {}, routePrefix = prefix) {
      const { max } = params as RouteParams
      this.prefix = routePrefix
      this.exact = typeof max === 'number' && max < EXACT_BELOW
    }

    private redisKey (key: string, window: number): string {
      return `${this.prefix}${key}:${window}`
    }

    incr (key: string, cb: Callback, timeWindow: number, _max: number): void {
      const now = Date.now()
      const window = Math.floor(now / timeWindow)
      const ttl = (window + 1) * timeWindow - now
      if (this.exact) {
        const own = this.countExactly(key, window)
        const redisKey = this.redisKey(key, window)
        redis.multi().incr(redisKey).pexpire(redisKey, timeWindow).exec()
          .then((replies) => cb(null, { current: Number(replies?.[0]?.[1] ?? own), ttl }))
          .catch(() => cb(null, { current: own, ttl }))
        return
      }
      let counter = this.counters.get(key)
      if (counter === undefined || counter.window !== window) {
        counter = { window, pending: 0, shared: 0 }
        this.counters.set(key, counter)
      }
      counter.pending++
      this.schedule(timeWindow)
      cb(null, { current: counter.shared + counter.pending, ttl })
    }

    private countExactly (key: string, window: number): number {
      if (this.prunedWindow !== window) {
        for (const [stale, entry] of this.exactCounts) if (entry.window !== window) this.exactCounts.delete(stale)
        this.prunedWindow = window
      }
      const entry = this.exactCounts.get(key)
      if (entry === undefined || entry.window !== window) {
        this.exactCounts.set(key, { window, count: 1 })
        return 1
      }
      return ++entry.count
    }

    read (key: string, cb: Callback, timeWindow: number): void {
      const now = Date.now()
      const window = Math.floor(now / timeWindow)
      const counter = this.counters.get(key)
      const current = counter?.window === window ? counter.shared + counter.pending : 0
      cb(null, { current, ttl: (window + 1) * timeWindow - now })
    }

    private schedule (timeWindow: number): void {
      if (this.timer !== null) return
      this.timer = setTimeout(() => {
        this.timer = null
        this.flush(timeWindow).catch(onFlushError)
      }, FLUSH_MS)
      this.timer.unref()
    }

    private async flush (timeWindow: number): Promise<void> {
      const current = Math.floor(Date.now() / timeWindow)
      const batch: Array<[string, Counter, number]> = []
      for (const [key, counter] of this.counters) {
        if (counter.window < current && counter.pending === 0) this.counters.delete(key)
        else if (counter.pending > 0) batch.push([key, counter, counter.pending])
      }
      if (batch.length === 0) return
      // Independent commands per key, issued in one tick: the client's auto-pipelining
      // sends them in one write per Redis node. (One explicit pipeline cannot carry
      // them on a Redis Cluster: the clients' keys live on many slots and nodes.)
      let failure: unknown = null
      await Promise.all(batch.map(async ([key, counter, delta]) => {
        const redisKey = this.redisKey(key, counter.window)
        const total = redis.incrby(redisKey, delta)
        // After the INCRBY on the same connection, so the key exists; a lost one is set again next flush.
        redis.pexpire(redisKey, timeWindow).catch(() => undefined)
        try {
          counter.shared = await total
          counter.pending -= delta
        } catch (err) {
          failure ??= err // stays pending; the next flush retries it
        }
      }))
      if (failure !== null) throw failure
    }

    child (params: object): WriteBehindStore {
      const route = (params as RouteParams).routeInfo
      return new WriteBehindStore(params, `${this.prefix}${String(route?.method ?? '')}${route?.url ?? ''}-`)
    }
  }
}
