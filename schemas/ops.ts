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
  totals: Type.Object({
    requests: Type.Number(), perSecond: Type.Number(), errorRate: Share('5xx / requests'), p50Ms: Ms(), p95Ms: Ms(), p99Ms: Ms()
  }, { description: 'every route of every instance' }),
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

const Probe = Type.Object({ status: Type.String(), required: Type.Boolean(), latencyMs: Type.Integer(), error: Type.Optional(Type.String()) })

export const Pools = Type.Object({
  instance: Type.String({ description: 'the instance that answered (the state below is its own)' }),
  mongodb: Type.Object({
    maxPoolSize: Type.Integer(), minPoolSize: Type.Integer(), waitQueueTimeoutMs: Type.Integer(),
    servers: Type.Array(Type.Object({ address: Type.String(), open: Type.Integer(), checkedOut: Type.Integer(), waiting: Type.Integer({ description: 'operations waiting for a connection now' }) })),
    probe: Probe
  }),
  postgres: Type.Object({ max: Type.Integer(), total: Type.Integer(), idle: Type.Integer(), waiting: Type.Integer(), probe: Probe }),
  redis: Type.Object({ status: Type.String({ description: 'the client\'s connection state (ready, connecting, reconnecting…)' }), cacheBreaker: Type.String(), probe: Probe }),
  history: Type.Array(Type.Object({
    minute: Type.String({ format: 'date-time' }), instances: Type.Number(), mongoCheckouts: Type.Number(),
    mongoWaits: Type.Number({ description: 'check-outs that waited 1 ms or more, every instance' }), mongoWaitQueueMax: Type.Number(),
    mongoCheckoutFailures: Type.Number(), pgWaitingMax: Type.Number()
  }), { description: 'the last hour, per minute, every instance' })
})

const Usage = Type.Union([Type.Object({ ops: Type.Number(), since: Type.Union([Type.String(), Type.Null()]) }), Type.Null()], { description: '$indexStats: operations since the server started' })
const Key = Type.Record(Type.String(), Type.Unknown())

export const Indexes = Type.Object({
  drift: Type.Array(Type.String(), { description: 'what `npm run migrate -- --check` reports: missing, different or undeclared indexes' }),
  collections: Type.Array(Type.Object({
    collection: Type.String(),
    declared: Type.Array(Type.Object({
      name: Type.String(), key: Key, state: Type.Enum(['present', 'missing', 'different']), difference: Type.Optional(Type.String()), usage: Usage
    })),
    undeclared: Type.Array(Type.Object({ name: Type.String(), key: Key, usage: Usage })),
    unused: Type.Array(Type.String(), { description: 'present, and no operation used them' })
  }))
})
