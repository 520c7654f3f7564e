// Redis stopped under load, then started again (a private redis-server, never the shared
// one): no request fails, none waits on Redis past its budget, the cache's circuit breaker
// opens and closes again, and the shared cache (L2) serves hits again afterwards.
import { test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { testContext, type App } from '../helper.ts'
import { privateServer } from '../support/private-server.ts'
import { scrape } from '../support/scrape.ts'
import { signup, type Caller } from '../support/session.ts'

const OP_TIMEOUT_MS = 300
// A busy machine stretches any request; a request that waited on a dead Redis would take at
// least the budget on top of its own time, so the margin stays below one more budget.
const SLACK_MS = 250

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

async function until (condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await condition()) return true
    await sleep(50)
  }
  return false
}

test('Redis stopped under load and restarted: 0 5xx, nothing waits past the budget, the breaker opens and closes, L2 hits return', async (t) => {
  const redis = await privateServer(t, 'redis')
  const context = await testContext(t)
  // L1 lives 1 ms, so every read asks Redis (L2): the outage is felt by every request.
  const app = await context.build({ env: { REDIS_URL: redis.url, CACHE_OP_TIMEOUT_MS: String(OP_TIMEOUT_MS), CACHE_BREAKER_RESET_MS: '1000', CACHE_L1_TTL_MS: '1', RATE_LIMIT_MAX: '1000000' } })
  const owner = await signup(app)
  t.equal((await owner.get('/v1/dashboard')).statusCode, 200)

  const traffic = load(owner, 3)
  await sleep(1_000)
  const hitsBefore = await l2Hits(app)
  t.ok(hitsBefore > 0, `L2 serves hits while Redis is up (${hitsBefore})`)

  const stoppedAt = Date.now()
  await redis.stop()
  t.ok(await until(() => app.dashboardCache.breakerState() === 'open', 10_000), 'the breaker opens')
  await sleep(1_500)

  await redis.start()
  const restartedAt = Date.now()
  t.ok(await until(() => app.redis.status === 'ready', 10_000), 'the client reconnects by itself')
  t.ok(await until(() => app.dashboardCache.breakerState() === 'closed', 10_000), 'the breaker closes again')
  const hitsAfterRestart = await l2Hits(app)
  t.ok(await until(async () => await l2Hits(app) > hitsAfterRestart + 10, 10_000), 'L2 serves hits again')
  await traffic.stop()

  const during = traffic.samples.filter((s) => s.at >= stoppedAt && s.at <= restartedAt)
  t.ok(during.length > 20, `requests kept coming during the outage (${during.length})`)
  const failed = traffic.samples.filter((s) => s.status !== 200)
  t.same(failed.map((s) => s.status), [], `every one of ${traffic.samples.length} requests answered 200`)
  const slowest = Math.max(...during.map((s) => s.ms))
  t.ok(slowest < OP_TIMEOUT_MS + SLACK_MS, `the slowest request during the outage took ${Math.round(slowest)} ms (budget ${OP_TIMEOUT_MS} ms)`)
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.json().dependencies.redis.status, 'up', 'readiness sees Redis again')
})
