// What one process saw since its last flush, as the rows of the report's store:
// per route (from the route histogram), per query shape, per cache, per job
// task (from graphile-worker's events, through the job metrics), the process's
// own figures, and the agencies that cost the most request time.
import type { FastifyInstance } from 'fastify'
import { MetricDeltas, type HistogramDelta } from './metric-deltas.ts'
import { ProcessSampler, type ProcessFigures } from './process-sampler.ts'
import { QueryShapes, type ShapeTotals } from './query-shapes.ts'
import { SpaceSaving, type HeavyKey } from './space-saving.ts'
import { addInto } from './histogram.ts'

/** counters kept per interval for the top agencies; the heaviest AGENCIES_WRITTEN are stored */
const AGENCY_COUNTERS = 100
const AGENCIES_WRITTEN = 25

export interface RouteTotals { method: string, route: string, requests: number, serverErrors: number, clientErrors: number, durationSumS: number, buckets: number[] }
export interface CacheTotals { cache: string, hit: number, stale: number, miss: number, coalesced: number, bypass: number }
export interface JobTotals { task: string, succeeded: number, failed: number, permanentFailures: number, durationSumS: number, buckets: number[] }
export interface ProcessRow extends ProcessFigures {
  role: string
  rssLimitBytes: number
  mongoCheckouts: number
  /** check-outs that waited a millisecond or more for a connection */
  mongoWaits: number
  mongoCheckoutFailures: number
  shed: number
  rateLimited: number
}

export interface Interval {
  instance: string
  /** the minute the interval's middle falls in (flushes are aligned to minutes) */
  minute: Date
  routes: RouteTotals[]
  queries: ShapeTotals[]
  caches: CacheTotals[]
  jobs: JobTotals[]
  process: ProcessRow
  agencies: HeavyKey[]
}

const CACHE_RESULTS = ['hit', 'stale', 'miss', 'coalesced', 'bypass'] as const
const sumOf = (deltas: Array<{ value: number }>) => deltas.reduce((sum, delta) => sum + delta.value, 0)

export class Collector {
  readonly agencies = new SpaceSaving(AGENCY_COUNTERS)
  readonly shapes = new QueryShapes()
  private readonly deltas: MetricDeltas
  private readonly sampler: ProcessSampler
  private readonly fastify: FastifyInstance
  private readonly instance: string
  private since = Date.now()

  constructor (fastify: FastifyInstance, instance: string) {
    this.fastify = fastify
    this.instance = instance
    this.deltas = new MetricDeltas(fastify.metricsRegistry)
    this.sampler = new ProcessSampler(fastify)
  }

  private async routes (): Promise<RouteTotals[]> {
    const byRoute = new Map<string, RouteTotals>()
    for (const { labels, count, sum, buckets } of await this.deltas.histogram('http_request_duration_seconds')) {
      const key = `${labels.method} ${labels.route}`
      let totals = byRoute.get(key)
      if (totals === undefined) {
        totals = { method: labels.method!, route: labels.route!, requests: 0, serverErrors: 0, clientErrors: 0, durationSumS: 0, buckets: [] }
        byRoute.set(key, totals)
      }
      const status = Number(labels.status_code)
      totals.requests += count
      if (status >= 500) totals.serverErrors += count
      else if (status >= 400) totals.clientErrors += count
      totals.durationSumS += sum
      addInto(totals.buckets, buckets)
    }
    return [...byRoute.values()]
  }

  private async caches (): Promise<CacheTotals[]> {
    const byCache = new Map<string, CacheTotals>()
    for (const { labels, value } of await this.deltas.counter('haven_cache_requests_total')) {
      const cache = labels.cache!
      const totals = byCache.get(cache) ?? { cache, hit: 0, stale: 0, miss: 0, coalesced: 0, bypass: 0 }
      const result = labels.result as typeof CACHE_RESULTS[number]
      if (CACHE_RESULTS.includes(result)) totals[result] += value
      byCache.set(cache, totals)
    }
    return [...byCache.values()]
  }

  private async jobs (): Promise<JobTotals[]> {
    const byTask = new Map<string, JobTotals>()
    const totalsOf = (task: string) => {
      let totals = byTask.get(task)
      if (totals === undefined) {
        totals = { task, succeeded: 0, failed: 0, permanentFailures: 0, durationSumS: 0, buckets: [] }
        byTask.set(task, totals)
      }
      return totals
    }
    for (const { labels, count, sum, buckets } of await this.deltas.histogram('haven_job_duration_seconds')) {
      const totals = totalsOf(labels.task!)
      if (labels.outcome === 'success') totals.succeeded += count
      else totals.failed += count
      totals.durationSumS += sum
      addInto(totals.buckets, buckets)
    }
    for (const { labels, value } of await this.deltas.counter('haven_job_permanent_failures_total')) totalsOf(labels.task!).permanentFailures += value
    return [...byTask.values()]
  }

  private async processRow (): Promise<ProcessRow> {
    const checkouts: HistogramDelta[] = await this.deltas.histogram('haven_mongodb_pool_checkout_seconds')
    const limits = await this.fastify.metricsRegistry.getSingleMetric('haven_process_memory_limit_bytes')?.get()
    const rssLimit = limits?.values.find((value) => value.labels.kind === 'rss')?.value ?? 0
    return {
      ...this.sampler.take(),
      role: this.fastify.config.HAVEN_ROLE,
      rssLimitBytes: rssLimit,
      mongoCheckouts: checkouts.reduce((sum, delta) => sum + delta.count, 0),
      // The first bucket holds the check-outs that took at most a millisecond.
      mongoWaits: checkouts.reduce((sum, delta) => sum + delta.count - (delta.buckets[0] ?? 0), 0),
      mongoCheckoutFailures: sumOf(await this.deltas.counter('haven_mongodb_pool_checkout_failures_total')),
      shed: sumOf(await this.deltas.counter('haven_shed_requests_total')),
      rateLimited: sumOf(await this.deltas.counter('haven_rate_limited_requests_total'))
    }
  }

  /** Everything since the last call. */
  async take (): Promise<Interval> {
    const now = Date.now()
    const minute = new Date(Math.floor((this.since + now) / 2 / 60_000) * 60_000)
    this.since = now
    const agencies = this.agencies.top(AGENCIES_WRITTEN)
    this.agencies.clear()
    return {
      instance: this.instance,
      minute,
      routes: await this.routes(),
      queries: this.shapes.take(),
      caches: await this.caches(),
      jobs: await this.jobs(),
      process: await this.processRow(),
      agencies
    }
  }

  stop (): void {
    this.sampler.stop()
  }
}
