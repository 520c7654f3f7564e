// GET /v1/dashboard behind the route: the figures computed from the summary
// documents (two _id lookups, whatever the portfolio's size), serialized once
// and cached with their ETag. In the unoptimised benchmark mode there is no
// cache and the figures are recomputed from the raw collections every time.
// After a write invalidates an agency, the cache recomputes the variants it
// held (through setRecompute), so the next readers find them ready.
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import { ObjectId } from 'mongodb'
import fastJson from 'fast-json-stringify'
import type { RedisClient } from '../external/redis/index.ts'
import { Dashboard, WIDGETS, type Widget } from '../../schemas/dashboard.ts'
import { figures } from './rollups/figures.ts'
import { twelveMonthsTo, type MonthRange } from './rollups/source.ts'
import type { Cached, ViaRedis } from './dashboard-cache/index.ts'
import { codedError } from './error-handler.ts'

export interface DashboardRequest { include?: string | undefined, period?: string | undefined }

declare module 'fastify' {
  interface FastifyInstance {
    dashboard: {
      get: (agencyId: ObjectId, request: DashboardRequest) => Promise<Cached>
      /** computes the default dashboard into the caches unless a fresh one is there */
      warm: (agencyId: ObjectId) => Promise<void>
      /** agencies whose dashboard was read since a moment (for the warming job) */
      recentlyActive: (since: Date) => Promise<string[]>
    }
  }
}

/** one sorted set of every agency (each command on it touches one key, so one Redis Cluster slot) */
const ACTIVE_KEY = 'dashboard:active'
const ACTIVITY_THROTTLE_MS = 60_000
/** An agency whose dashboard was read this recently is active: writes refresh its cached figures, the warming job keeps them warm. */
export const ACTIVE_WITHIN_MS = 15 * 60_000
const ASK_AGAIN_AFTER_MS = 5_000

export function currentPeriod (now = new Date()): string {
  return now.toISOString().slice(0, 7)
}

// The hot path's defaults, worked out once (or once a second for the month).
const ALL_WIDGETS: ReadonlySet<Widget> = new Set(WIDGETS)
const ALL_WIDGETS_KEY = [...WIDGETS].sort().join(',')
let periodNow = { second: -1, period: '' }
function periodOfNow (): string {
  const second = Math.floor(Date.now() / 1000)
  if (second !== periodNow.second) periodNow = { second, period: currentPeriod() }
  return periodNow.period
}

/**
 * The months a dashboard may be asked for: from the agency's first month with
 * money to its last or the current month, whichever is later (only the current
 * month for an agency without money yet). Bounded by the calendar range, so
 * an agency's variants are too.
 */
export function allowedPeriods (dataMonths: MonthRange | null, current: string): MonthRange {
  if (dataMonths === null) return { first: current, last: current }
  return { first: dataMonths.first < current ? dataMonths.first : current, last: dataMonths.last > current ? dataMonths.last : current }
}

export default fp(async function dashboard (fastify) {
  const { rollups, dashboardCache, repos, config } = fastify
  const serialize = fastJson(Dashboard)
  const lastActivity = new Map<string, number>()
  // What the shared activity set said of an agency, and when it was asked.
  const lastAsked = new Map<string, { at: number, lastRead: number }>()
  const redis: RedisClient = fastify.redis

  async function compute (agencyId: ObjectId, period: string, include: ReadonlySet<Widget>): Promise<Cached> {
    const startedAt = Date.now()
    const periods = twelveMonthsTo(period)
    const [source, agency] = await Promise.all([
      config.HAVEN_UNOPTIMISED ? rollups.fromRaw(agencyId, periods) : rollups.fromSummaries(agencyId, periods),
      repos.agencies.findById(agencyId)
    ])
    // Checked on the figures the variant is computed from, so a variant outside the range is never cached.
    const allowed = allowedPeriods(source.dataMonths, periodOfNow())
    if (period < allowed.first || period > allowed.last) {
      throw codedError(400, 'PERIOD_OUT_OF_RANGE', `period must be from ${allowed.first} to ${allowed.last}: the months of this agency's money, and the current one`)
    }
    const body = serialize(figures(source, { period, periods, now: new Date(), currency: agency?.currency ?? 'USD', include }))
    return { body, etag: `W/"${createHash('sha1').update(body).digest('base64url')}"`, startedAt }
  }

  function noteActivity (agencyId: string): void {
    const now = Date.now()
    if (now - (lastActivity.get(agencyId) ?? 0) < ACTIVITY_THROTTLE_MS) return
    lastActivity.set(agencyId, now)
    if (lastActivity.size > 50_000) lastActivity.clear()
    redis.zadd(ACTIVE_KEY, now, agencyId).catch(() => undefined)
  }

  async function get (agencyId: ObjectId, request: DashboardRequest, background = false): Promise<Cached> {
    const include = request.include === undefined ? ALL_WIDGETS : new Set(request.include.split(',') as Widget[])
    if (config.HAVEN_UNOPTIMISED) return await compute(agencyId, request.period ?? periodOfNow(), include)
    const id = agencyId.toHexString()
    if (!background) noteActivity(id)
    // Canonical: the same widgets in any order or repeated, and the current month named or not, are one variant.
    const variant = `${request.period ?? periodOfNow()}|${include === ALL_WIDGETS ? ALL_WIDGETS_KEY : [...include].sort().join(',')}`
    return await dashboardCache.get(id, variant, () => computeVariant(agencyId, variant), { background })
  }

  /** The figures a cache variant names: "<period>|<widgets>". */
  function computeVariant (agencyId: ObjectId, variant: string): Promise<Cached> {
    const [period = periodOfNow(), widgets = ALL_WIDGETS_KEY] = variant.split('|')
    return compute(agencyId, period, widgets === ALL_WIDGETS_KEY ? ALL_WIDGETS : new Set(widgets.split(',') as Widget[]))
  }

  /**
   * Read lately, by a reader of this instance (no Redis call) or of any (the
   * shared activity set, asked at most once per agency every few seconds: writes
   * come in bursts, and a new reader is noticed that much later).
   */
  async function readLately (agencyId: string, viaRedis: ViaRedis): Promise<boolean> {
    const now = Date.now()
    if ((lastActivity.get(agencyId) ?? 0) >= now - ACTIVE_WITHIN_MS) return true
    const asked = lastAsked.get(agencyId)
    if (asked !== undefined && now - asked.at < ASK_AGAIN_AFTER_MS) return asked.lastRead >= now - ACTIVE_WITHIN_MS
    const score = await viaRedis(() => redis.zscore(ACTIVE_KEY, agencyId))
    // Unknown (Redis failing) counts as read: the write refreshes as it always may.
    if (score === undefined) return true
    const lastRead = score === null ? 0 : Number(score)
    if (lastAsked.size > 50_000) lastAsked.clear()
    lastAsked.set(agencyId, { at: now, lastRead })
    return lastRead >= now - ACTIVE_WITHIN_MS
  }

  // After a write, the agency's cached variants are recomputed, or else its default dashboard, for an agency read lately.
  dashboardCache.setRecompute((agencyId, variant) => computeVariant(new ObjectId(agencyId), variant), () => `${periodOfNow()}|${ALL_WIDGETS_KEY}`, readLately)

  fastify.decorate('dashboard', {
    get,
    warm: async (agencyId: ObjectId) => { await get(agencyId, {}, true) },
    recentlyActive: async (since: Date) => {
      await redis.zremrangebyscore(ACTIVE_KEY, '-inf', since.getTime() - 1)
      return await redis.zrangebyscore(ACTIVE_KEY, since.getTime(), '+inf')
    }
  })
}, { name: 'dashboard', dependencies: ['rollups', 'dashboard-cache', 'repositories', 'redis'] })
