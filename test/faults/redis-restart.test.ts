// Redis stopped under load, then started again (a private redis-server, never the shared
// one): no request fails, none waits for Redis to come back, the cache's circuit breaker
// opens and closes again, and the shared cache (L2) serves hits again afterwards.
import { test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { testContext, type App } from '../helper.ts'
import { privateServer } from '../support/private-server.ts'
import { scrape } from '../support/scrape.ts'
import { signup, type Caller } from '../support/session.ts'
import { waitFor } from '../support/wait-for.ts'

// A command budget far longer than any request takes, even on a busy machine: a request that
// waited on the stopped Redis at all would take that long, and stall the clients below.
const BUDGET_MS = 30_000

interface Sample { status: number, ms: number, at: number }

/** Dashboard reads from `workers` concurrent clients until stopped. */
function load (owner: Caller, workers: number) {
  const samples: Sample[] = []
  let running = true
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const started = performance.now()
      const response = await owner.get('/v1/dashboard')
      samples.push({ status: response.statusCode, ms: performance.now() - started, at: Date.now() })
      await sleep(20)
    }
  })
  return { samples, stop: async () => { running = false; await Promise.all(loops) } }
}

async function l2Hits (app: App): Promise<number> {
  const text = (await scrape(app)).body
  const line = text.split('\n').find((l) => l.startsWith('haven_cache_requests_total{') && l.includes('cache="dashboard-l2"') && l.includes('result="hit"'))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

test('Redis stopped under load and restarted: 0 5xx, no request waits for Redis to return, the breaker opens and closes, L2 hits return', async (t) => {
  const redis = await privateServer(t, 'redis')
  const context = await testContext(t)
  // L1 lives 1 ms, so every read asks Redis (L2): the outage is felt by every request.
  const app = await context.build({ env: { REDIS_URL: redis.url, CACHE_OP_TIMEOUT_MS: String(BUDGET_MS), CACHE_BREAKER_RESET_MS: '1000', CACHE_L1_TTL_MS: '1', RATE_LIMIT_MAX: '1000000' } })
  const owner = await signup(app)
  t.equal((await owner.get('/v1/dashboard')).statusCode, 200)

  const traffic = load(owner, 3)
  t.ok(await waitFor('L2 hits while Redis is up', async () => await l2Hits(app) > 0), 'L2 serves hits while Redis is up')

  const stoppedAt = Date.now()
  await redis.stop()
  const answeredDuringOutage = () => traffic.samples.filter((s) => s.at >= stoppedAt).length
  t.ok(await waitFor('the breaker to open', () => app.dashboardCache.breakerState() === 'open'), 'the breaker opens')
  // Requests that waited for Redis would come back after the budget, or after Redis: with
  // three clients, twenty answers while it is down (within the wait's minute) mean they do not.
  t.ok(await waitFor('20 answers while Redis is down', () => answeredDuringOutage() >= 20), 'requests keep being answered while Redis is down')

  await redis.start()
  const restartedAt = Date.now()
  t.ok(await waitFor('the client to reconnect', () => app.redis.status === 'ready'), 'the client reconnects by itself')
  t.ok(await waitFor('the breaker to close', () => app.dashboardCache.breakerState() === 'closed'), 'the breaker closes again')
  const hitsAfterRestart = await l2Hits(app)
  t.ok(await waitFor('L2 hits after the restart', async () => await l2Hits(app) > hitsAfterRestart + 10), 'L2 serves hits again')
  await traffic.stop()

  const during = traffic.samples.filter((s) => s.at >= stoppedAt && s.at <= restartedAt)
  const slowest = Math.max(...during.map((s) => s.ms))
  t.ok(slowest < BUDGET_MS, `none waited out the Redis budget: ${during.length} requests answered during the outage, the slowest in ${Math.round(slowest)} ms`)
  const failed = traffic.samples.filter((s) => s.status !== 200)
  t.same(failed.map((s) => s.status), [], `every one of ${traffic.samples.length} requests answered 200`)
  // Readiness answers from probes at most a second old.
  t.ok(await waitFor('readiness to see Redis again', async () =>
    (await app.inject({ method: 'GET', url: '/health/ready' })).json().dependencies.redis.status === 'up'), 'readiness sees Redis again')
})
