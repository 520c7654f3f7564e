// The built client in a real browser (headless Chromium, as the status page
// test runs it): a page served from its own origin (CORS) signs in, starts an
// export, shows its progress from the event stream (fetch with the bearer
// header: EventSource cannot send one) and downloads the file. Then two tabs
// of the page, whose access token no longer works, refresh it once between them.
import { test } from 'tap'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { chromium, type Page } from 'playwright-core'
import type { TokenStore } from '../../client/dist/index.js'
import { testContext } from '../helper.ts'
import { findExecutable } from '../../scripts/stack/process.ts'
import { signup } from '../support/session.ts'
import { csvRows } from '../support/jobs.ts'
import { createProperty } from '../support/portfolio.ts'
import { listening } from '../support/haven-client.ts'
import { PATIENCE_MS, waitFor } from '../support/wait-for.ts'

const root = path.resolve(import.meta.dirname, '..', '..')
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

// What the callbacks below use of the page's globals (they run in the browser, not here).
declare const window: {
  haven: { GET: (path: string) => Promise<{ response: { status: number } }> }
  tokens: TokenStore
  calls?: Promise<number[]>
}
declare const navigator: { locks: { query: () => Promise<{ pending?: unknown[] }> } }

/** The page and the client it imports, from an origin of their own. */
async function pageServer (): Promise<{ origin: string, close: () => Promise<void> }> {
  const files: Record<string, [string, string]> = {
    '/': [path.join(import.meta.dirname, 'browser', 'index.html'), 'text/html'],
    '/favicon.ico': [path.join(import.meta.dirname, 'browser', 'favicon.svg'), 'image/svg+xml'],
    '/page.js': [path.join(import.meta.dirname, 'browser', 'page.js'), 'text/javascript'],
    '/vendor/openapi-fetch.mjs': [path.join(root, 'client', 'node_modules', 'openapi-fetch', 'dist', 'index.mjs'), 'text/javascript']
  }
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://page')
    const built = /^\/client\/([a-z-]+\.js)$/.exec(url.pathname)?.[1]
    const [file, type] = built !== undefined ? [path.join(root, 'client', 'dist', built), 'text/javascript'] : files[url.pathname] ?? []
    if (file === undefined) {
      response.writeHead(404).end()
      return
    }
    readFile(file).then((body) => response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(body), () => response.writeHead(404).end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

test('a page using the built client signs in, exports, shows progress and downloads the file; two tabs refresh once', async (t) => {
  const pages = await pageServer()
  t.teardown(() => pages.close())
  const context = await testContext(t)
  const app = await context.build({
    env: { HAVEN_ROLE: 'all', CORS_ORIGINS: pages.origin, WORKER_POLL_INTERVAL_MS: '200', JOB_PROGRESS_INTERVAL_MS: '1', EXPORT_BATCH_SIZE: '10' }
  })
  const api = await listening(app)
  const owner = await signup(app, 'Browser Lettings')
  const names = Array.from({ length: 25 }, (_, i) => `Browser House ${String(i).padStart(2, '0')}`)
  for (const name of names) await createProperty(owner, name)

  const profile = await mkdtemp(path.join(os.tmpdir(), 'haven-chromium-'))
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: findExecutable('chromium') ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    acceptDownloads: true
  })
  t.teardown(async () => {
    await browser.close()
    await rm(profile, { recursive: true, force: true })
  })
  const problems: string[] = []
  const watch = (page: Page) => {
    // Chromium logs every answer >= 400; the 401s are the refused token before its refresh.
    page.on('console', (message) => { if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(`console error: ${message.text()}`) })
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  }
  // Playwright's own 30 s for every wait (navigation, selectors) is short for a busy machine.
  browser.setDefaultTimeout(PATIENCE_MS)
  const page = browser.pages()[0] ?? await browser.newPage()
  watch(page)
  const pageUrl = `${pages.origin}/?api=${encodeURIComponent(api)}`
  await page.goto(pageUrl)

  await page.fill('input[name=email]', owner.email)
  await page.fill('input[name=password]', owner.password)
  await page.click('form#signin button')
  await page.waitForSelector('body[data-session="signed-in"]')

  const downloading = page.waitForEvent('download')
  await page.click('#export')
  const download = await downloading
  await page.waitForSelector('body[data-export="downloaded"]')
  const shown = await page.$$eval('#states li', (items) => items.map((item) => item.textContent))
  t.ok(shown.length >= 1, `the page showed the job's states: ${shown.join(' | ')}`)
  t.match(shown.at(-1), /^succeeded 25\/25 100%$/, 'the last state shown is the finished export')
  t.equal(await page.$eval('#progress', (bar) => (bar as unknown as { value: number }).value), 100, 'the progress bar is full')
  t.match(download.suggestedFilename(), /\.csv$/, `the file is saved as ${download.suggestedFilename()}`)
  const rows = csvRows(await readFile(await download.path()))
  const nameColumn = rows[0]!.indexOf('name')
  t.same(rows.slice(1).map((row) => row[nameColumn]), names, 'the downloaded file holds every property')

  // Two tabs, one session, an access token that no longer works: the refresh is held on its
  // way until the second tab waits for the lock; then one refresh serves both.
  const second = await browser.newPage()
  watch(second)
  await second.goto(pageUrl)
  await page.evaluate(async () => {
    const tokens = await window.tokens.get()
    await window.tokens.set({ ...tokens!, accessToken: 'no-longer-valid' })
  })
  const refreshes: string[] = []
  browser.on('request', (request) => { if (request.method() === 'POST' && request.url().endsWith('/v1/auth/refresh')) refreshes.push(request.url()) })
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  t.teardown(() => release()) // should the test fail while it is held
  let held = 0
  await browser.route('**/v1/auth/refresh', async (route) => {
    if (route.request().method() === 'POST') {
      held++
      await released
    }
    await route.continue()
  })
  for (const tab of [page, second]) {
    await tab.evaluate(() => { window.calls = Promise.all([1, 2].map(async () => (await window.haven.GET('/v1/users/me')).response.status)) })
  }
  await waitFor('one refresh on its way, the other tab waiting for the lock', async () => held === 1 && ((await second.evaluate(async () => (await navigator.locks.query()).pending?.length ?? 0)) >= 1))
  release()
  for (const tab of [page, second]) t.same(await tab.evaluate(async () => await window.calls), [200, 200], 'both calls of the tab answered')
  t.equal(refreshes.length, 1, 'one refresh for two tabs')
  t.same(problems, [], 'no console errors or page errors')
})
