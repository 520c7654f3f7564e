// One probe per dependency, each bounded by a timeout so a hung server answers
// "down" quickly instead of holding the caller. MongoDB is required; PostgreSQL
// only for a worker (the job queue is all it does): an API instance without it
// still serves every read and write but enqueueing, which answers 503 meanwhile,
// so it stays in the balancer's rotation. Redis is optional (the API degrades).
// Callers share one round of probes for up to a second (sharedProbes): readiness
// is polled by load balancers and anyone else, and must not cost a PostgreSQL
// connection a call.
import type { FastifyInstance } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import { pingRedis } from '../redis/index.ts'

export type DependencyName = 'mongodb' | 'postgres' | 'redis'
export interface ProbeResult { status: 'up' | 'down', required: boolean, latencyMs: number, error?: string }
export type ProbeReport = Record<DependencyName, ProbeResult>

class ProbeTimeout extends Error {}

async function probe (check: () => Promise<unknown>, timeoutMs: number, required: boolean): Promise<ProbeResult> {
  const started = performance.now()
  const timer = new AbortController()
  try {
    await Promise.race([
      check(),
      sleep(timeoutMs, undefined, { signal: timer.signal }).then(() => { throw new ProbeTimeout(`no answer within ${timeoutMs} ms`) })
    ])
    return { status: 'up', required, latencyMs: Math.round(performance.now() - started) }
  } catch (err) {
    return { status: 'down', required, latencyMs: Math.round(performance.now() - started), error: (err as Error).message }
  } finally {
    timer.abort()
  }
}

export async function probeDependencies (fastify: FastifyInstance): Promise<ProbeReport> {
  const timeoutMs = fastify.config.HEALTH_PROBE_TIMEOUT_MS
  const [mongodb, postgres, redis] = await Promise.all([
    probe(() => fastify.mongo.db!.command({ ping: 1 }), timeoutMs, true),
    probe(() => fastify.pg.query('SELECT 1'), timeoutMs, fastify.config.HAVEN_ROLE === 'worker'),
    probe(() => pingRedis(fastify.redis), timeoutMs, false)
  ])
  return { mongodb, postgres, redis }
}

export function requiredUp (report: ProbeReport): boolean {
  return Object.values(report).every((result) => !result.required || result.status === 'up')
}

/**
 * probeAll, run at most once per maxAgeMs however many call: a caller gets the last
 * round while it is younger than that, else waits for the round in flight (one at a time).
 */
export function sharedProbes (probeAll: () => Promise<ProbeReport>, maxAgeMs: number): () => Promise<ProbeReport> {
  let last: { report: ProbeReport, at: number } | undefined
  let running: Promise<ProbeReport> | undefined
  return async () => {
    if (last !== undefined && performance.now() - last.at < maxAgeMs) return last.report
    running ??= probeAll().then((report) => {
      last = { report, at: performance.now() }
      return report
    }).finally(() => { running = undefined })
    return await running
  }
}
