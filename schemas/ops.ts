// The operator's views (/ops/): instance-wide and cross-agency figures.
import { Type } from 'typebox'

const Window = Type.Object({
  requests: Type.Integer(), hit: Type.Integer(), stale: Type.Integer(), miss: Type.Integer(), coalesced: Type.Integer(), bypass: Type.Integer(),
  hitRate: Type.Union([Type.Number(), Type.Null()], { description: '(hit + stale) / requests' })
})

export const CacheStats = Type.Object({
  instance: Type.String(),
  redisBreaker: Type.Enum(['closed', 'open', 'half-open'], { description: 'open: the cache is bypassing Redis' }),
  caches: Type.Array(Type.Object({ cache: Type.String(), windows: Type.Object({ '1m': Window, '5m': Window, '15m': Window }) }))
})

const Nullable = <T extends ReturnType<typeof Type.Number>>(schema: T) => Type.Union([schema, Type.Null()])
const Ms = (description?: string) => Nullable(Type.Number({ description }))
const Share = (description: string) => Nullable(Type.Number({ minimum: 0, description }))

export const PerformanceQuery = Type.Object({
  window: Type.Enum(['5m', '1h', '24h', '7d'], { default: '1h', description: 'how far back the report looks' })
}, { additionalProperties: false })

const Instance = Type.Object({
  instance: Type.String({ description: 'host:pid of the process' }),
  role: Type.String(),
  firstMinute: Type.String({ format: 'date-time' }),
  lastMinute: Type.String({ format: 'date-time', description: 'its latest aggregate in the window' }),
  memory: Type.Object({
    rssBytes: Type.Number(), rssMaxBytes: Type.Number(), rssLimitBytes: Type.Number(), heapUsedBytes: Type.Number(), heapLimitBytes: Type.Number(),
    usedShare: Type.Number({ description: 'the larger of rss / rss limit and heap used / heap limit' })
  }),
  cpu: Type.Object({ cores: Type.Number({ description: 'CPU seconds per second over the window' }), eventLoopUtilization: Type.Number(), eventLoopDelayP99Ms: Type.Number() }),
  breaker: Type.Object({ state: Type.String({ description: 'the dashboard cache\'s Redis breaker in the latest minute (worst seen)' }), openSeconds: Type.Number() }),
  pools: Type.Object({
    mongodb: Type.Object({ open: Type.Number(), checkedOut: Type.Number(), waitQueueMax: Type.Number(), checkouts: Type.Number(), waits: Type.Number({ description: 'check-outs that waited 1 ms or more' }), checkoutFailures: Type.Number() }),
    postgres: Type.Object({ total: Type.Number(), idle: Type.Number(), waitingMax: Type.Number() }),
    redis: Type.Object({ status: Type.String(), downSeconds: Type.Number() })
  }),
  shed: Type.Number({ description: 'requests refused by load shedding' }),
  rateLimited: Type.Number()
})

const Alert = Type.Object({ name: Type.String(), state: Type.String(), severity: Type.String(), summary: Type.String(), activeAt: Type.Union([Type.String(), Type.Null()]) })

export const PerformanceReport = Type.Object({
  window: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  generatedAt: Type.String({ format: 'date-time' }),
  instances: Type.Array(Instance),
  routes: Type.Array(Type.Object({
    method: Type.String(), route: Type.String({ description: 'the route pattern' }), requests: Type.Number(), perSecond: Type.Number(),
    errorRate: Share('5xx / requests'), clientErrorRate: Share('4xx / requests'),
    meanMs: Ms(), p50Ms: Ms(), p95Ms: Ms(), p99Ms: Ms()
  }), { description: 'costliest first (requests × mean time)' }),
  slowestQueries: Type.Array(Type.Object({
    collection: Type.String(), command: Type.String(), shape: Type.String({ description: 'field names and operators, never values' }),
    count: Type.Number(), failures: Type.Number(), totalMs: Ms(), p95Ms: Ms()
  }), { description: 'MongoDB query shapes, slowest p95 first (at most 20)' }),
  caches: Type.Array(Type.Object({
    cache: Type.String(), hit: Type.Number(), stale: Type.Number(), miss: Type.Number(), coalesced: Type.Number(), bypass: Type.Number(),
    lookups: Type.Number(), hitRate: Share('(hit + stale) / lookups')
  })),
  jobs: Type.Array(Type.Object({
    task: Type.String(), succeeded: Type.Number(), failed: Type.Number({ description: 'attempts that failed' }), permanentFailures: Type.Number(),
    perMinute: Type.Number(), p50Ms: Ms(), p95Ms: Ms(), p99Ms: Ms()
  })),
  topAgencies: Type.Array(Type.Object({
    agencyId: Type.String(), requests: Type.Number(), requestMs: Type.Number(),
    errorBoundMs: Type.Number({ description: 'at most this much of requestMs may be other agencies\' (the sketch\'s bound)' })
  }), { description: 'the ten agencies that cost the most request time' }),
  alerts: Type.Object({
    available: Type.Boolean(),
    reason: Type.Optional(Type.String()),
    active: Type.Array(Alert, { description: 'pending or firing now' }),
    firedInWindow: Type.Array(Type.Object({ name: Type.String(), severity: Type.String() }))
  }),
  trend: Type.Object({
    stepSeconds: Type.Integer(),
    points: Type.Array(Type.Object({
      at: Type.String({ format: 'date-time' }), requests: Type.Number(), errorRate: Share('5xx / requests'), p95Ms: Ms(),
      cacheHitRate: Share('(hit + stale) / lookups'), rssMaxBytes: Ms('largest RSS of any instance'), cpuCores: Ms('CPU of every instance together'),
      shed: Type.Number(), instances: Type.Number()
    }))
  })
})
