// This process's own figures over an aggregation interval: memory, CPU, event
// loop, and the states that matter between flushes (the cache's Redis breaker,
// pool queues, Redis reachability), sampled every second so a brief outage
// inside the minute still shows.
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks'
import v8 from 'node:v8'
import type { FastifyInstance } from 'fastify'

const SAMPLE_MS = 1_000
const BREAKER_RANK = { closed: 0, 'half-open': 1, open: 2 } as const
type BreakerState = keyof typeof BREAKER_RANK

export interface ProcessFigures {
  seconds: number
  rssBytes: number
  heapUsedBytes: number
  heapLimitBytes: number
  cpuSeconds: number
  eventLoopUtilization: number
  eventLoopDelayP99Ms: number
  /** the worst state seen in the interval */
  breakerState: BreakerState
  breakerOpenSeconds: number
  mongoOpen: number
  mongoCheckedOut: number
  mongoWaitQueueMax: number
  pgTotal: number
  pgIdle: number
  pgWaitingMax: number
  redisStatus: string
  redisDownSeconds: number
}

export class ProcessSampler {
  private readonly fastify: FastifyInstance
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 })
  private readonly timer: NodeJS.Timeout
  private since = performance.now()
  private cpu = process.cpuUsage()
  private elu: EventLoopUtilization = performance.eventLoopUtilization()
  private breakerWorst: BreakerState = 'closed'
  private breakerOpenSeconds = 0
  private mongoWaitQueueMax = 0
  private pgWaitingMax = 0
  private redisDownSeconds = 0

  constructor (fastify: FastifyInstance) {
    this.fastify = fastify
    this.loopDelay.enable()
    this.timer = setInterval(() => this.sample(), SAMPLE_MS).unref()
  }

  private sample (): void {
    const breaker = this.fastify.dashboardCache.breakerState()
    if (BREAKER_RANK[breaker] > BREAKER_RANK[this.breakerWorst]) this.breakerWorst = breaker
    if (breaker === 'open') this.breakerOpenSeconds++
    const waiting = this.fastify.mongoMonitor.pools().reduce((sum, pool) => sum + pool.waiting, 0)
    this.mongoWaitQueueMax = Math.max(this.mongoWaitQueueMax, waiting)
    this.pgWaitingMax = Math.max(this.pgWaitingMax, this.fastify.pg.pool.waitingCount)
    if (this.fastify.redis.status !== 'ready') this.redisDownSeconds++
  }

  /** The figures since the last call, and a fresh start. */
  take (): ProcessFigures {
    this.sample()
    const now = performance.now()
    const cpu = process.cpuUsage(this.cpu)
    const elu = performance.eventLoopUtilization(this.elu)
    const memory = process.memoryUsage()
    const pools = this.fastify.mongoMonitor.pools()
    const pg = this.fastify.pg.pool
    const figures: ProcessFigures = {
      seconds: (now - this.since) / 1000,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapLimitBytes: v8.getHeapStatistics().heap_size_limit,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      eventLoopUtilization: elu.utilization,
      eventLoopDelayP99Ms: this.loopDelay.count === 0 ? 0 : this.loopDelay.percentile(99) / 1e6,
      breakerState: this.breakerWorst,
      breakerOpenSeconds: this.breakerOpenSeconds,
      mongoOpen: pools.reduce((sum, pool) => sum + pool.open, 0),
      mongoCheckedOut: pools.reduce((sum, pool) => sum + pool.checkedOut, 0),
      mongoWaitQueueMax: this.mongoWaitQueueMax,
      pgTotal: pg.totalCount,
      pgIdle: pg.idleCount,
      pgWaitingMax: this.pgWaitingMax,
      redisStatus: this.fastify.redis.status,
      redisDownSeconds: this.redisDownSeconds
    }
    this.since = now
    this.cpu = process.cpuUsage()
    this.elu = performance.eventLoopUtilization()
    this.loopDelay.reset()
    this.breakerWorst = this.fastify.dashboardCache.breakerState()
    this.breakerOpenSeconds = 0
    this.mongoWaitQueueMax = 0
    this.pgWaitingMax = 0
    this.redisDownSeconds = 0
    return figures
  }

  stop (): void {
    clearInterval(this.timer)
    this.loopDelay.disable()
  }
}
