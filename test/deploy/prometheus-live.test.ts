// The alert rules, the dashboard and the metrics, proven on a real Prometheus:
// it scrapes a running Haven (with the operator's token) and evaluates
// deploy/prometheus/alerts.yml every second. Two conditions are provoked: Redis
// stopped (a TCP proxy in front of the shared test Redis is cut) raises the Redis
// and cache hit-rate alerts (the cache's breaker stays closed: with Redis refusing
// connections its calls fail at once, and too few to trip it); a route made slow (its repository call stubbed to
// wait) raises the latency alert. Each is read from Prometheus's API while
// pending or firing, and again after recovery, when it must have resolved. The
// production `for:` durations are not waited out: pending is the rule's
// expression holding. Every Grafana panel's query returns series, and the scrape
// passes `promtool check metrics`.
import { test } from 'tap'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Task } from 'graphile-worker'
import { testContext } from '../helper.ts'
import { signup } from '../support/session.ts'
import { leasedUnit } from '../support/portfolio.ts'
import { proxyFor } from '../support/tcp-proxy.ts'
import { operatorHeaders } from '../support/operator.ts'
import { scrape } from '../support/scrape.ts'
import { startPrometheus, type PrometheusAlert } from '../support/prometheus.ts'
import { exportJob, waitForJob } from '../support/jobs.ts'
import { runExport } from '../../jobs/run-export.ts'
import { freePort } from '../../bench/servers/process.ts'

const root = path.resolve(import.meta.dirname, '..', '..')
const SLOW_MS = 3_500

const active = (alerts: PrometheusAlert[], name: string, labels: Record<string, string> = {}) =>
  alerts.find((alert) => alert.labels.alertname === name && Object.entries(labels).every(([k, v]) => alert.labels[k] === v))

test('alerts fire on a real Prometheus when Redis stops and a route slows, and resolve after recovery', async (t) => {
  const context = await testContext(t)
  const redis = await proxyFor(context.env.REDIS_URL!)
  t.teardown(() => redis.close())
  const prometheusPort = await freePort()
  const ran: Task = async () => undefined
  // A real export too, so the export panels and their alert's expression have series.
  let app: Awaited<ReturnType<typeof context.build>> | undefined
  const exporting: Task = async (payload, helpers) => await runExport(app!)(payload, helpers)
  app = await context.build({
    env: {
      HAVEN_ROLE: 'all',
      WORKER_POLL_INTERVAL_MS: '200',
      REDIS_URL: redis.url(context.env.REDIS_URL!),
      // Every dashboard read goes to L2 (Redis), so the L2 hit rate moves with Redis.
      CACHE_L1_TTL_MS: '1',
      CACHE_OP_TIMEOUT_MS: '200',
      // After the outage the cache's breaker tries Redis again this soon (5 s by default).
      CACHE_BREAKER_RESET_MS: '1000',
      HEALTH_CHECK_INTERVAL_MS: '500',
      // On a busy machine MongoDB can answer a ping later than the default second: that
      // would shed every request with 503. Down is still down (a refused connection fails at once).
      HEALTH_PROBE_TIMEOUT_MS: '10000',
      // Thousands of reads from one user within the minute: the limiter is not under test.
      RATE_LIMIT_MAX: '1000000',
      PROMETHEUS_URL: `http://127.0.0.1:${prometheusPort}`
    },
    jobs: { tasks: { 'live-check': ran, 'run-export': exporting }, crontab: '' }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const target = `127.0.0.1:${(app.server.address() as { port: number }).port}`
  const prometheus = await startPrometheus(t, { port: prometheusPort, targets: [target], token: app.config.OPS_TOKEN })
  await prometheus.waitFor('the scrape with the operator\'s token to succeed', async () =>
    (await prometheus.query('up{job="haven"}'))[0]?.value[1] === '1')

  const owner = await signup(app, 'Observed Lettings')
  await leasedUnit(owner, 'P1')
  await app.jobs.addJob('live-check', {})
  const exported = await waitForJob(owner, (await exportJob(owner, { resource: 'units', format: 'csv' })).id)
  t.equal(exported.status, 'succeeded', 'an export ran')
  // Twelve widget sets of the current month in turn (within the agency's period range and
  // its cache quota): with a 1 ms L1 lifetime each read refreshes its entry from L2 in the
  // background, and a variant comes back only once that refresh is done.
  const variants = ['portfolio', 'leases', 'rent', 'outstanding', 'history', 'maintenance', 'payments', 'portfolio,leases', 'rent,outstanding', 'history,payments', 'maintenance,payments', 'portfolio,rent']
  let next = 0
  const answers = { ok: 0, other: [] as number[] }
  const readDashboards = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const response = await owner.get(`/v1/dashboard?include=${variants[next++ % variants.length]!}`)
      if (response.statusCode === 200) answers.ok++
      else answers.other.push(response.statusCode)
    }
  }
  // Traffic while Prometheus watches: rates need increases between scrapes. Twelve
  // variants, each computed once and then read from Redis.
  const traffic = () => {
    let running = true
    const loop = (async () => {
      while (running) {
        await readDashboards(1)
        await sleep(20)
      }
    })()
    return async () => {
      running = false
      await loop
    }
  }
  let stopTraffic = traffic()
  try {
    // The first read of each period is a miss; once reads from the cache outweigh them, no alert is pending.
    await prometheus.waitFor('a healthy L2 hit rate, and no alert pending', async () => {
      const [rate] = await prometheus.query('sum(rate(haven_cache_requests_total{cache="dashboard-l2",result="hit"}[5m])) / sum(rate(haven_cache_requests_total{cache="dashboard-l2"}[5m]))')
      return rate !== undefined && Number(rate.value[1]) > 0.7 && (await prometheus.alerts()).length === 0
    })
  } finally {
    await stopTraffic()
  }
  t.pass('healthy: the L2 hit rate above 70 % and no alert pending')

  // --- Redis stops ------------------------------------------------------------------
  redis.cut()
  stopTraffic = traffic()
  let alerts: PrometheusAlert[] = []
  try {
    alerts = await prometheus.waitFor('HavenRedisDown and HavenLowCacheHitRate for dashboard-l2', async () => {
      const now = await prometheus.alerts()
      return active(now, 'HavenRedisDown') !== undefined && active(now, 'HavenLowCacheHitRate', { cache: 'dashboard-l2' }) !== undefined ? now : undefined
    })
  } finally {
    await stopTraffic()
  }
  t.match(active(alerts, 'HavenRedisDown'), { state: /pending|firing/, labels: { severity: 'warning', instance: target } }, 'Redis down')
  t.match(active(alerts, 'HavenLowCacheHitRate', { cache: 'dashboard-l2' }), { state: /pending|firing/, annotations: { summary: /dashboard-l2 answers .*% of lookups/ } }, 'the L2 hit rate')

  // The report reads the same alerts from this Prometheus.
  const report = (await app.inject({ method: 'GET', url: '/ops/performance?window=5m', headers: operatorHeaders(app) })).json()
  t.equal(report.alerts.available, true, 'the report reached Prometheus')
  t.ok(report.alerts.active.some((alert: { name: string, summary: string }) => alert.name === 'HavenRedisDown' && alert.summary.includes('cannot reach Redis')), 'the report lists the active alert')

  // Every Grafana panel's query returns series (while alerts are active, so the alerts panel has some).
  const dashboard = JSON.parse(await readFile(path.join(root, 'deploy', 'grafana', 'haven.json'), 'utf8')) as { panels: Array<{ type: string, title: string, targets?: Array<{ expr: string }> }> }
  const panels = dashboard.panels.filter((panel) => panel.type !== 'row')
  t.ok(panels.length >= 20, `${panels.length} panels`)
  for (const panel of panels) {
    for (const { expr } of panel.targets ?? []) {
      const series = await prometheus.waitFor(`"${panel.title}": ${expr}`, async () => {
        const result = await prometheus.query(expr)
        return result.length > 0 ? result : undefined
      }).catch(() => [])
      t.ok(series.length > 0, `panel "${panel.title}" returns series: ${expr}`)
    }
  }

  // --- Redis back: the alerts resolve --------------------------------------------------
  redis.restore()
  await prometheus.waitFor('Redis to be seen up again', async () => (await prometheus.query('min(haven_dependency_up{dependency="redis"})'))[0]?.value[1] === '1')
  // Until its breaker closes the cache bypasses Redis; a read after CACHE_BREAKER_RESET_MS closes it.
  await prometheus.waitFor('the cache\'s breaker to close', async () => {
    await readDashboards(12)
    return app.dashboardCache.breakerState() === 'closed'
  })
  // Reads from Redis again outweigh the outage's bypasses in the 5-minute rate: each read
  // refreshes its variant from L2 in the background, one lookup at a time per variant.
  await prometheus.waitFor('the Redis and cache alerts to resolve', async () => {
    const now = await prometheus.alerts()
    if (active(now, 'HavenRedisDown') === undefined && active(now, 'HavenLowCacheHitRate') === undefined) return true
    await readDashboards(50)
    return undefined
  })
  t.pass('HavenRedisDown and HavenLowCacheHitRate resolved')
  t.same(answers.other, [], `all ${answers.ok} dashboard reads answered 200, with or without Redis`)

  // --- A route slows down --------------------------------------------------------------
  // The route's series exists (a few fast requests, scraped) before the slow ones come.
  for (let i = 0; i < 5; i++) await owner.get('/v1/agency')
  // Two scrapes of it, so the rates over the window start from the fast requests.
  await prometheus.waitFor('GET /v1/agency to be scraped twice', async () =>
    Number((await prometheus.query('max(count_over_time(http_request_duration_seconds_count{route="/v1/agency"}[5m]))'))[0]?.value[1] ?? 0) >= 2)
  const agencies = app.repos.agencies
  const findById = agencies.findById.bind(agencies)
  agencies.findById = async (...args) => {
    await sleep(SLOW_MS)
    return await findById(...args)
  }
  // Above the rule's minimum traffic (0.05 requests/s over 5 minutes: 15 requests).
  const slow = await Promise.all(Array.from({ length: 30 }, () => owner.get('/v1/agency')))
  t.ok(slow.every((response) => response.statusCode === 200), 'slow, but answered')
  alerts = await prometheus.waitFor('HavenSlowResponses for /v1/agency', async () => {
    const now = await prometheus.alerts()
    return active(now, 'HavenSlowResponses', { route: '/v1/agency' }) !== undefined ? now : undefined
  })
  t.match(active(alerts, 'HavenSlowResponses', { route: '/v1/agency' }), { state: /pending|firing/, labels: { severity: 'critical' }, annotations: { summary: /p95 of \/v1\/agency is \d/ } })
  agencies.findById = findById
  // Fast again: enough fast requests (the slow ones under 5 %) bring the 5-minute p95 under 3 s.
  for (let i = 0; i < 700; i++) await owner.get('/v1/agency')
  await prometheus.waitFor('HavenSlowResponses to resolve', async () => {
    if (active(await prometheus.alerts(), 'HavenSlowResponses') === undefined) return true
    for (let i = 0; i < 20; i++) await owner.get('/v1/agency')
    return undefined
  })
  t.pass('HavenSlowResponses resolved')
})

test('promtool check metrics passes on a real scrape, with bounded label sets', async (t) => {
  const context = await testContext(t)
  const app = await context.build({ env: { HAVEN_ROLE: 'all' } })
  const owner = await signup(app, 'Linted Lettings')
  const { property, unit } = await leasedUnit(owner, 'L1')
  await owner.get(`/v1/properties/${String(property.id)}`)
  await owner.get(`/v1/units/${String(unit.id)}`)
  await owner.get('/v1/dashboard')
  const body = (await scrape(app)).body
  const lint = await new Promise<{ code: number | null, output: string }>((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (error, stdout, stderr) => resolve({ code: error === null ? 0 : (error as { code?: number }).code ?? 1, output: stdout + stderr }))
    child.stdin!.end(body)
  })
  t.same(lint, { code: 0, output: '' }, 'promtool check metrics: no problems')
  t.notOk(body.includes(String(property.id)) || body.includes(owner.agencyId), 'no id in any label')
  t.match(body, /route="\/v1\/properties\/:id"/, 'routes by pattern')
})
