// A real Prometheus (Debian's package, installed by scripts/stack/ops-tools.ts)
// for a test: it scrapes the given targets with the operator's token, loads
// deploy/prometheus/alerts.yml, and evaluates every second, so alerts turn
// pending as soon as their expression holds. Stopped at the test's end.
import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import { freePort } from '../../bench/servers/process.ts'
import { PATIENCE_MS, waitFor as waitForCondition } from './wait-for.ts'

export const RULES_FILE = path.resolve(import.meta.dirname, '..', '..', 'deploy', 'prometheus', 'alerts.yml')

export interface PrometheusAlert { labels: Record<string, string>, state: 'pending' | 'firing', annotations: Record<string, string> }

export interface TestPrometheus {
  url: string
  query: (expr: string) => Promise<Array<{ metric: Record<string, string>, value: [number, string] }>>
  alerts: () => Promise<PrometheusAlert[]>
  /** polls until check passes (it returns a truthy value), or fails the wait with what it saw last */
  waitFor: <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs?: number) => Promise<T>
}

async function api<T> (url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) })
  const body = await response.json() as { status: string, data: T, error?: string }
  if (body.status !== 'success') throw new Error(`${url}: ${body.error ?? response.status}`)
  return body.data
}

export async function startPrometheus (t: Test, options: { port?: number, targets: string[], token: string }): Promise<TestPrometheus> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'haven-prometheus-'))
  const port = options.port ?? await freePort()
  const tokenFile = path.join(dir, 'ops-token')
  await writeFile(tokenFile, options.token, { mode: 0o600 })
  // The scrape configuration a deployment uses (README), with test-sized intervals.
  await writeFile(path.join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [RULES_FILE],
    scrape_configs: [{
      job_name: 'haven',
      metrics_path: '/metrics',
      authorization: { type: 'Bearer', credentials_file: tokenFile },
      static_configs: [{ targets: options.targets }]
    }]
  }))
  const child = spawn('prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn'
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr.on('data', (chunk: Buffer) => { log = (log + chunk.toString()).slice(-4_000) })
  const exited = once(child, 'exit')
  t.teardown(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      // Cleared once it exits: a pending timer would hold the test's process for its 10 s.
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(killer)
    }
    await rm(dir, { recursive: true, force: true })
  })

  const url = `http://127.0.0.1:${port}`
  const waitFor = async <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = PATIENCE_MS): Promise<T> => {
    // Prometheus answers errors while it starts and while a query's series are still missing: asked again.
    let last: unknown
    return await waitForCondition(what, async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${log}`)
      return await check().catch((err: unknown) => { last = err; return undefined })
    }, { timeoutMs, intervalMs: 250, context: () => `${last === undefined ? '' : `last error: ${String(last)}\n`}${log}` })
  }
  await waitFor('prometheus to answer', async () => (await fetch(`${url}/-/ready`)).ok)
  return {
    url,
    query: async (expr) => (await api<{ result: Array<{ metric: Record<string, string>, value: [number, string] }> }>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>(`${url}/api/v1/alerts`)).alerts,
    waitFor
  }
}
