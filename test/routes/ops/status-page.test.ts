// The operators' status page in a real browser: headless Chromium (Debian's
// package, installed by scripts/stack/ops-tools.ts) opens /ops/ through the
// operator's proxy (scripts/ops-proxy.ts, which adds the token), waits for the
// charts, and the rendered page is checked: figures present, charts drawn, the
// screenshot not blank, and nothing refused by its CSP or failing in its script.
import { test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { build } from '../../helper.ts'
import { signup } from '../../support/session.ts'
import { leasedUnit } from '../../support/portfolio.ts'
import { opsProxy } from '../../../scripts/ops-proxy.ts'
import { findExecutable } from '../../../scripts/stack/process.ts'
import { writeInterval } from '../../../plugins/app/ops-report/store.ts'
import type { Interval } from '../../../plugins/app/ops-report/collector.ts'
import { LATENCY_BUCKETS } from '../../../plugins/external/metrics.ts'
import { PATIENCE_MS } from '../../support/wait-for.ts'

// What the callbacks below use of the browser's globals (they run in the page, not here).
interface Element { textContent: string | null, querySelector: (selector: string) => Element | null, children: ArrayLike<Element> }
declare const document: { querySelectorAll: (selector: string) => ArrayLike<Element> & Iterable<Element>, createElement: (name: 'canvas') => Canvas }
interface Canvas { width: number, height: number, getContext: (kind: '2d') => { drawImage: (image: unknown, x: number, y: number) => void, getImageData: (x: number, y: number, w: number, h: number) => { data: Uint8ClampedArray } } | null }
declare const Image: new () => { src: string, width: number, height: number, decode: () => Promise<void> }

/** The last day of another instance, every half hour, written as a process writes its minutes. */
function earlierDay (): Interval[] {
  return Array.from({ length: 48 }, (_, i) => {
    const buckets = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0)
    buckets[3] = 200 + 10 * (i % 7)
    buckets[6] = 5 + (i % 4)
    const requests = buckets.reduce((a, b) => a + b, 0)
    return {
      instance: 'earlier-instance:1',
      minute: new Date(Math.floor(Date.now() / 60_000) * 60_000 - (i + 1) * 30 * 60_000),
      routes: [{ method: 'GET', route: '/v1/dashboard', requests, serverErrors: i % 9 === 0 ? 2 : 0, clientErrors: 1, durationSumS: requests * 0.02, buckets }],
      queries: [],
      caches: [{ cache: 'dashboard-l1', hit: 180, stale: 10, miss: 10 + (i % 5) * 6, coalesced: 0, bypass: 0 }],
      jobs: [{ task: 'warm-dashboards', succeeded: 1, failed: 0, permanentFailures: 0, durationSumS: 0.05, buckets: [0, 0, 0, 0, 1] }],
      agencies: [],
      process: {
        role: 'all', seconds: 60, rssBytes: (300 + 5 * (i % 10)) * 1_048_576, rssLimitBytes: 2 ** 33, heapUsedBytes: 2 ** 27, heapLimitBytes: 2 ** 31,
        cpuSeconds: 6 + (i % 6), eventLoopUtilization: 0.1, eventLoopDelayP99Ms: 12, breakerState: 'closed', breakerOpenSeconds: 0,
        mongoOpen: 4, mongoCheckedOut: 0, mongoWaitQueueMax: 0, mongoCheckouts: 400, mongoWaits: 0, mongoCheckoutFailures: 0,
        pgTotal: 2, pgIdle: 2, pgWaitingMax: 0, redisStatus: 'ready', redisDownSeconds: 0, shed: 0, rateLimited: 0
      }
    }
  })
}

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

test('the status page renders live figures and 24-hour charts from the report', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Charted Lettings')
  await leasedUnit(owner, 'C1')
  for (let i = 0; i < 20; i++) await owner.get('/v1/properties')
  for (let i = 0; i < 5; i++) await owner.get('/v1/dashboard')
  await app.opsReport.flush()
  for (const interval of earlierDay()) await writeInterval(app.pg.pool, interval)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const haven = new URL(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`)

  t.equal((await fetch(new URL('/ops/', haven))).status, 404, 'without the token, the page does not exist')
  const proxy = await opsProxy(haven, app.config.OPS_TOKEN)
  t.teardown(() => proxy.close())
  await proxy.listen({ host: '127.0.0.1', port: 0 })
  const pageUrl = `http://127.0.0.1:${(proxy.server.address() as { port: number }).port}/ops/`

  const profile = await mkdtemp(path.join(os.tmpdir(), 'haven-chromium-'))
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: findExecutable('chromium') ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 1600 }
  })
  t.teardown(async () => {
    await browser.close()
    await rm(profile, { recursive: true, force: true })
  })
  // Playwright's own 30 s for every wait (navigation, selectors) is short for a busy machine.
  browser.setDefaultTimeout(PATIENCE_MS)
  const page = browser.pages()[0] ?? await browser.newPage()
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`) })
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`))

  const response = await page.goto(pageUrl)
  t.equal(response?.status(), 200, 'the page opens through the proxy')
  t.match(response?.headers()['content-security-policy'], /default-src 'none'; script-src 'self'/, 'its own CSP: nothing from elsewhere')
  await page.waitForSelector('body[data-live="ready"][data-trends="ready"]')
  await page.waitForFunction(() => document.querySelectorAll('.chart canvas').length === 6)

  const figures = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('.figure')].map((figure) =>
    [figure.querySelector('.label')!.textContent, figure.querySelector('.value')!.textContent])))
  t.equal(figures.instances, '1', 'one instance')
  t.match(figures['requests / s'], /^\d/, 'requests per second shown')
  t.match(figures.p95, /ms$/, 'p95 shown')
  t.match(figures['cache hit rate'], /%$/, 'hit rate shown')
  t.equal(figures.alerts, 'n/a', 'no Prometheus configured: alerts not available')
  const routes = await page.$$eval('#routes tbody tr', (rows) => rows.map((row) => row.children[0]!.textContent))
  t.ok(routes.includes('GET /v1/properties'), 'the costliest routes are listed')
  t.ok(await page.$eval('#instances tbody', (body) => body.textContent!.includes(':')), 'the instance is listed')
  t.ok(await page.$eval('#agencies tbody', (body, agencyId) => body.textContent!.includes(agencyId), owner.agencyId), 'the agency is in the top list')

  // The screenshot, decoded by the browser itself on a blank page: not blank, and the charts' lines are drawn.
  const screenshot = await page.screenshot({ fullPage: true })
  t.ok(screenshot.length > 20_000, `a screenshot of ${screenshot.length} bytes`)
  const blank = await browser.newPage()
  const pixels = await blank.evaluate(async (png) => {
    const image = new Image()
    image.src = `data:image/png;base64,${png}`
    await image.decode()
    const canvas = document.createElement('canvas')
    canvas.width = image.width
    canvas.height = image.height
    const context = canvas.getContext('2d')!
    context.drawImage(image, 0, 0)
    const { data } = context.getImageData(0, 0, image.width, image.height)
    const colours = new Set<number>()
    let background = 0
    let chartBlue = 0
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!]
      colours.add((r << 16) | (g << 8) | b)
      if (r > 240 && g > 240 && b > 240) background++
      // The requests chart's line: #2563eb.
      if (Math.abs(r - 0x25) < 24 && Math.abs(g - 0x63) < 24 && Math.abs(b - 0xeb) < 24) chartBlue++
    }
    return { colours: colours.size, share: 1 - background / (data.length / 4), chartBlue, width: image.width, height: image.height }
  }, screenshot.toString('base64'))
  t.ok(pixels.colours > 50, `${pixels.colours} colours in the screenshot`)
  t.ok(pixels.share > 0.05, `${Math.round(pixels.share * 100)} % of it is not background`)
  t.ok(pixels.chartBlue > 300, `the requests chart's line is drawn (${pixels.chartBlue} pixels)`)
  t.same(problems, [], 'no console errors, failed requests or CSP refusals')
})
