// The dashboard cache: L1 in this process (lru-cache: bounded, short TTL,
// stale-while-revalidate, one computation for concurrent misses of a key) in
// front of L2 in Redis (shared by every instance; fresh, then stale while it is
// recomputed). Entries are held per agency, so an entry of one agency can never
// answer another, and each agency holds at most CACHE_AGENCY_MAX_ENTRIES
// variants in each level: an agency asking for ever more variants only pushes
// out its own (L1 keeps its most recently read, Redis drops the one computed
// longest ago), never another agency's. L1 holds the agencies read most
// recently, as many as CACHE_L1_MAX entries allow at that quota. A write
// invalidates the agency's entries in Redis and, through pub/sub, in every
// instance's L1. Redis calls go through a circuit
// breaker (opossum): when Redis fails or is slow, the cache goes straight to
// MongoDB and no request waits longer than the cache budget.
// A write does not leave a hole: the writing instance recomputes the variants
// it holds (after the write's summaries changed, before the write answers),
// then swaps them in, here, in Redis and, through pub/sub, in every instance.
// Until the swap readers get the figures from before the write, which they may:
// the write has not been acknowledged yet. So readers hit instead of missing,
// and whoever saw the write acknowledged reads figures that include it.
// Why not async-cache-dedupe: its Redis storage gives no stale/eviction counts
// for the metrics, and a store there cannot be refused when an invalidation
// happened during the computation (the race that would cache stale figures).
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'
import CircuitBreaker from 'opossum'
import { promClient } from '../../external/metrics.ts'
import { RedisTier, type Cached, type Fresh } from './redis-tier.ts'
import { WindowStats, type Outcome } from './window-stats.ts'

export type { Cached } from './redis-tier.ts'

type Recompute = (agencyId: string, variant: string) => Promise<Cached>
/** A Redis call through the cache's circuit breaker: undefined when Redis is failing. */
export type ViaRedis = <T>(operation: () => Promise<T>) => Promise<T | undefined>
/** Whether anyone read an agency's dashboard lately; Redis is asked through `viaRedis` */
type ReadLately = (agencyId: string, viaRedis: ViaRedis) => Promise<boolean>
/** One agency's L1 entries, and the variants with a computation in flight. */
interface AgencyEntries {
  cache: LRUCache<string, Cached, FetchContext>
  // Variants with a computation in flight (lru-cache's keys() leaves those out), so an
  // invalidation can drop them too. A count: an aborted one may still be running.
  fetching: Map<string, number>
}
interface FetchContext {
  agencyId: string
  variant: string
  compute: () => Promise<Cached>
  background: boolean
}

export interface CacheStats { cache: string, windows: Record<string, ReturnType<WindowStats['over']>> }

declare module 'fastify' {
  interface FastifyInstance {
    dashboardCache: {
      /** background: a warm-up, left out of the hit/miss statistics */
      get: (agencyId: string, variant: string, compute: () => Promise<Cached>, options?: { background?: boolean }) => Promise<Cached>
      invalidate: (agencyId: string) => Promise<void>
      /**
       * How to recompute a variant when a write invalidates it, which variant to
       * recompute when this instance held none of the agency's, and whether anyone
       * read the agency's dashboard lately (a write recomputes only for readers).
       */
      setRecompute: (recompute: Recompute, defaultVariant: () => string, readLately: ReadLately) => void
      stats: () => CacheStats[]
      breakerState: () => 'closed' | 'open' | 'half-open'
    }
  }
}

const WINDOWS = { '1m': 60_000, '5m': 300_000, '15m': 900_000 }
/** at most this many of an agency's variants are recomputed by a write (and no more than its quota) */
const MAX_REFILL = 4
const FORGET_WRITES_AFTER_MS = 10 * 60_000

/** What instances tell each other: what an agency's write made stale, and what replaces it. */
interface Message { instance: string, agencyId: string, from: number, fresh: Fresh[] }
const BREAKER_STATE = { closed: 0, 'half-open': 1, open: 2 } as const

/**
 * What an L1 lookup was: a reader handed the stale entry while its refresh is in
 * flight was answered from the cache (stale), one that waited for a computation
 * another reader started was coalesced.
 */
function l1Outcome (status: LRUCache.Status<string, Cached, FetchContext>): Outcome {
  if (status.returnedStale === true) return 'stale'
  if (status.fetch === 'inflight') return 'coalesced'
  return status.fetch === 'hit' ? 'hit' : status.fetch === 'refresh' ? 'stale' : 'miss'
}

export default fp(async function dashboardCache (fastify) {
  const config = fastify.config
  const channel = `${config.REDIS_KEY_PREFIX}dashboard-invalidations`
  const quota = config.CACHE_AGENCY_MAX_ENTRIES
  const stats = { 'dashboard-l1': new WindowStats(), 'dashboard-l2': new WindowStats() }

  const requests = new promClient.Counter({ name: 'haven_cache_requests_total', help: 'Cache lookups by cache and result (hit, miss, stale, coalesced, bypass)', labelNames: ['cache', 'result'] as const, registers: [fastify.metricsRegistry] })
  const evictions = new promClient.Counter({ name: 'haven_cache_evictions_total', help: 'Entries evicted for room, by cache', labelNames: ['cache'] as const, registers: [fastify.metricsRegistry] })
  const invalidations = new promClient.Counter({ name: 'haven_cache_invalidations_total', help: 'Agency invalidations received, by cache', labelNames: ['cache'] as const, registers: [fastify.metricsRegistry] })
  const l2 = new RedisTier(fastify.redis, {
    keepMs: config.CACHE_L2_TTL_MS + config.CACHE_L2_STALE_MS,
    maxEntries: quota,
    onEvict: (count) => evictions.inc({ cache: 'dashboard-l2' }, count)
  })
  const record = (cache: keyof typeof stats, outcome: Outcome, background = false) => {
    if (background) return
    stats[cache].record(outcome)
    requests.inc({ cache, result: outcome })
  }

  const breaker = new CircuitBreaker(async (operation: () => Promise<unknown>) => await operation(), {
    timeout: config.CACHE_OP_TIMEOUT_MS,
    resetTimeout: config.CACHE_BREAKER_RESET_MS,
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    rollingCountTimeout: 10_000
  })
  const breakerState = () => breaker.opened ? 'open' as const : breaker.halfOpen ? 'half-open' as const : 'closed' as const
  new promClient.Gauge({
    name: 'haven_cache_breaker_state',
    help: 'Redis circuit breaker of the dashboard cache: 0 closed, 1 half-open, 2 open (bypassing Redis)',
    registers: [fastify.metricsRegistry],
    collect () { this.set(BREAKER_STATE[breakerState()]) }
  })
  breaker.on('open', () => fastify.log.warn('dashboard cache: Redis failing, bypassing it'))
  breaker.on('halfOpen', () => fastify.log.info('dashboard cache: trying Redis again'))
  breaker.on('close', () => fastify.log.info('dashboard cache: Redis back'))
  /** A Redis call through the breaker; undefined when Redis is failing or the breaker is open. */
  const viaRedis: ViaRedis = async <T>(operation: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await breaker.fire(operation) as T
    } catch {
      return undefined
    }
  }

  const instance = crypto.randomUUID()
  // Set once by the dashboard plugin (setRecompute); until then a write only drops entries.
  let refill: { recompute: Recompute, defaultVariant: () => string, readLately: ReadLately } | null = null

  // Per agency: computations that started before `from` are stale (they may have read
  // summaries from before its last write); `at`, when this instance learnt it.
  const invalidated = new Map<string, { from: number, at: number }>()
  const staleBefore = (agencyId: string) => invalidated.get(agencyId)?.from ?? 0
  // A write matters to computations that began before it, and those end within the
  // query time bound; what it made stale is gone from L1 and Redis. So old writes
  // are forgotten, and the map does not grow with every agency ever written.
  const forgetWrites = setInterval(() => {
    const before = Date.now() - FORGET_WRITES_AFTER_MS
    for (const [agencyId, write] of invalidated) if (write.at < before) invalidated.delete(agencyId)
  }, FORGET_WRITES_AFTER_MS).unref()
  fastify.addHook('onClose', async () => { clearInterval(forgetWrites) })
  const refreshing = new Set<string>()

  async function computeAndShare (context: FetchContext): Promise<Cached> {
    const value = await context.compute()
    void viaRedis(() => l2.store(context.agencyId, context.variant, value))
    return value
  }

  // The agencies read most recently, each with its own bounded LRU of variants.
  const l1 = new LRUCache<string, AgencyEntries>({
    max: Math.max(1, Math.floor(config.CACHE_L1_MAX / quota)),
    dispose: (entries, _agencyId, reason) => { if (reason === 'evict' && entries.cache.size > 0) evictions.inc({ cache: 'dashboard-l1' }, entries.cache.size) }
  })

  function newEntries (): AgencyEntries {
    const fetching = new Map<string, number>()
    const cache = new LRUCache<string, Cached, FetchContext>({
      max: quota,
      ttl: config.CACHE_L1_TTL_MS,
      allowStale: true,
      noDeleteOnStaleGet: true,
      // A swap's delete() or set() drops a computation in flight for the same key;
      // the readers waiting on it still get its answer (checked by get()), not an error.
      ignoreFetchAbort: true,
      dispose: (_value, _variant, reason) => { if (reason === 'evict') evictions.inc({ cache: 'dashboard-l1' }) },
      fetchMethod: async (variant, _stale, { context }) => {
        fetching.set(variant, (fetching.get(variant) ?? 0) + 1)
        try {
          return await fetchShared(context)
        } finally {
          const left = fetching.get(variant)! - 1
          if (left === 0) fetching.delete(variant)
          else fetching.set(variant, left)
        }
      }
    })
    return { cache, fetching }
  }

  /** The agency's L1 entries, made when absent; `touch` counts as a read (for which agencies L1 keeps). */
  function entriesOf (agencyId: string, touch: boolean): AgencyEntries {
    let entries = touch ? l1.get(agencyId) : l1.peek(agencyId)
    if (entries === undefined) {
      entries = newEntries()
      l1.set(agencyId, entries)
    }
    return entries
  }

  /** An L1 miss: Redis's copy if it is newer than the agency's last write, else a computation. */
  async function fetchShared (context: FetchContext): Promise<Cached> {
    if (breaker.opened) {
      record('dashboard-l2', 'bypass', context.background)
      return await context.compute()
    }
    const shared = await viaRedis(() => l2.get(context.agencyId, context.variant))
    if (shared === undefined) {
      record('dashboard-l2', 'bypass', context.background)
      return await context.compute()
    }
    // Older than fresh-then-stale is a miss, however long the agency's hash has lived.
    if (shared === null || shared.startedAt < staleBefore(context.agencyId) || Date.now() - shared.startedAt > config.CACHE_L2_TTL_MS + config.CACHE_L2_STALE_MS) {
      record('dashboard-l2', 'miss', context.background)
      return await computeAndShare(context)
    }
    if (Date.now() - shared.startedAt <= config.CACHE_L2_TTL_MS) {
      record('dashboard-l2', 'hit', context.background)
      return shared
    }
    record('dashboard-l2', 'stale', context.background)
    const key = `${context.agencyId}|${context.variant}`
    if (!refreshing.has(key)) {
      refreshing.add(key)
      computeAndShare(context)
        .then((fresh) => { if (fresh.startedAt >= staleBefore(context.agencyId)) l1.peek(context.agencyId)?.cache.set(context.variant, fresh) })
        .catch((err: unknown) => fastify.log.error({ err }, 'dashboard refresh failed'))
        .finally(() => refreshing.delete(key))
    }
    return shared
  }

  /**
   * Applies a write: drops the agency's entries computed before it and the
   * computations in flight (whose waiters still get an answer, which get() then
   * refuses), and keeps the fresh variants.
   */
  function swap (agencyId: string, from: number, fresh: Fresh[]): void {
    const staleFrom = Math.max(from, staleBefore(agencyId))
    invalidated.set(agencyId, { from: staleFrom, at: Date.now() })
    invalidations.inc({ cache: 'dashboard-l1' })
    const entries = fresh.length > 0 ? entriesOf(agencyId, false) : l1.peek(agencyId)
    if (entries === undefined) return
    for (const variant of [...entries.fetching.keys()]) entries.cache.delete(variant)
    for (const [variant, value] of [...entries.cache.entries()]) if (value.startedAt < staleFrom) entries.cache.delete(variant)
    for (const { variant, value } of fresh) if (value.startedAt >= staleFrom) entries.cache.set(variant, value)
  }

  /**
   * The variants of an agency this instance holds (the default one if none),
   * recomputed; none when nobody read the agency's dashboard lately (its next
   * reader computes it: there is no reader to keep figures ready for).
   */
  async function recomputeHeld (agencyId: string): Promise<Fresh[]> {
    if (refill === null) return []
    const { recompute, defaultVariant, readLately } = refill
    if (!await readLately(agencyId, viaRedis)) return []
    const held = [...(l1.peek(agencyId)?.cache.keys() ?? [])]
    const variants = held.length > 0 ? held.slice(0, Math.min(MAX_REFILL, quota)) : [defaultVariant()]
    const fresh = await Promise.all(variants.map(async (variant) => {
      try {
        return { variant, value: await recompute(agencyId, variant) }
      } catch (err) {
        // The write stands: its readers compute the figures themselves.
        fastify.log.warn({ err, agencyId }, 'dashboard recomputation after a write failed')
        return null
      }
    }))
    return fresh.filter((entry) => entry !== null)
  }

  const publish = (message: Message) => viaRedis(() => fastify.redisPublish(channel, JSON.stringify(message)))

  // Every instance's L1 hears about the others' writes.
  const subscriber = fastify.redisSubscriber()
  subscriber.on('error', () => undefined) // the main client logs Redis trouble
  subscriber.on('ready', () => { subscriber.subscribe(channel).catch(() => undefined) })
  subscriber.on('message', (_channel: string, raw: string) => {
    const message = JSON.parse(raw) as Message
    if (message.instance !== instance) swap(message.agencyId, message.from, message.fresh)
  })
  fastify.addHook('onClose', async () => { subscriber.disconnect() })

  fastify.decorate('dashboardCache', {
    async get (agencyId, variant, compute, options = {}) {
      const arrivedAt = Date.now()
      const lookup = async () => {
        const status: LRUCache.Status<string, Cached, FetchContext> = {}
        const value = (await entriesOf(agencyId, true).cache.fetch(variant, { context: { agencyId, variant, compute, background: options.background === true }, status }))!
        if (options.background !== true) record('dashboard-l1', l1Outcome(status))
        return value
      }
      const value = await lookup()
      // Read-your-writes: a reader that arrived after a write was applied never gets
      // figures computed before that write (from a computation it joined, or a stale
      // entry being refreshed, which the swap could not drop). Drop and fetch again.
      const write = invalidated.get(agencyId)
      if (write === undefined || value.startedAt >= write.from || arrivedAt < write.at) return value
      const entries = l1.peek(agencyId)
      if (entries?.cache.peek(variant, { allowStale: true }) === value) entries.cache.delete(variant)
      return await lookup()
    },

    async invalidate (agencyId) {
      const from = Date.now()
      const fresh = await recomputeHeld(agencyId)
      swap(agencyId, from, fresh)
      invalidations.inc({ cache: 'dashboard-l2' })
      await Promise.all([viaRedis(() => l2.replace(agencyId, from, fresh)), publish({ instance, agencyId, from, fresh })])
    },

    setRecompute: (recompute, defaultVariant, readLately) => { refill = { recompute, defaultVariant, readLately } },

    stats: () => Object.entries(stats).map(([cache, window]) => ({
      cache,
      windows: Object.fromEntries(Object.entries(WINDOWS).map(([name, ms]) => [name, window.over(ms)]))
    })),

    breakerState
  })
}, { name: 'dashboard-cache', dependencies: ['redis', 'metrics'] })
