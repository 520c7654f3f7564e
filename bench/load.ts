// Drives one scenario against a running server with autocannon: a warm-up whose figures are
// dropped, then a fixed number of rounds of a fixed duration, each sampled for the server's
// CPU and memory. Figures are the medians over the rounds; status counts and errors the sums.
import os from 'node:os'
import autocannon, { type Instance, type Request, type Result } from 'autocannon'
import { round, sampleUsage, type Sampler, type Usage } from './servers/process.ts'

export interface LoadSettings {
  connections: number
  durationS: number
  warmupS: number
  rounds: number
}

export interface Measurement {
  rps: number
  latencyMs: { p50: number, p90: number, p99: number, max: number }
  statusCounts: Record<string, number>
  /** requests without a 2xx answer: error statuses plus connection errors and timeouts */
  errors: number
  rssPeakMB: number
  cpuPct: number
  rounds: RoundFigures[]
  /** the MongoDB server's CPU (median of rounds), when its process is on this machine and known */
  mongoCpuPct: number | null
  /** the harness's own CPU (autocannon), which competes with the server for the same cores */
  loadGeneratorCpuPct: number
  /** the machine's 1-minute load average before the rounds: how busy it was besides this run */
  loadAverageBefore: number
}

export interface RoundFigures { rps: number, p50: number, p90: number, p99: number, max: number, cpuPct: number, rssPeakMB: number }

let current: Instance | undefined
let stopped = false

/** Ends the load at once (Ctrl-C); the run in progress resolves with what it has. */
export function stopLoad (): void {
  stopped = true
  current?.stop()
}

async function fire (url: string, requests: Request[], connections: number, durationS: number): Promise<Result> {
  if (stopped) throw new Error('interrupted')
  current = autocannon({ url, requests, connections, duration: durationS, timeout: 10 })
  try {
    return await current
  } finally {
    current = undefined
  }
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export interface Pids { server: number, mongo?: number | undefined }

export async function measure (baseUrl: string, requests: Request[], settings: LoadSettings, pids: Pids, onRound: (round: number) => void): Promise<Measurement> {
  const loadAverageBefore = round(os.loadavg()[0]!, 2)
  if (settings.warmupS > 0) await fire(baseUrl, requests, settings.connections, settings.warmupS)

  const figures: RoundFigures[] = []
  const mongoCpu: number[] = []
  const ownCpu: number[] = []
  const statusCounts: Record<string, number> = {}
  let errors = 0
  for (let i = 0; i < settings.rounds; i++) {
    if (stopped) throw new Error('interrupted')
    onRound(i + 1)
    const server = await sampleUsage(pids.server)
    const mongo: Sampler | undefined = pids.mongo === undefined ? undefined : await sampleUsage(pids.mongo)
    const cpuBefore = process.cpuUsage()
    const wallBefore = performance.now()
    let result: Result
    let usage: Usage
    try {
      result = await fire(baseUrl, requests, settings.connections, settings.durationS)
    } finally {
      usage = await server.stop()
      if (mongo !== undefined) mongoCpu.push((await mongo.stop()).cpuPct)
    }
    const own = process.cpuUsage(cpuBefore)
    ownCpu.push(((own.user + own.system) / 1e6) / ((performance.now() - wallBefore) / 1000) * 100)

    for (const [status, { count }] of Object.entries(result.statusCodeStats)) statusCounts[status] = (statusCounts[status] ?? 0) + count
    errors += result.non2xx + result.errors
    figures.push({
      rps: round(result.requests.total / result.duration, 1),
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      ...usage
    })
  }

  return summarise(figures, statusCounts, errors, {
    mongoCpuPct: mongoCpu.length === 0 ? null : round(median(mongoCpu), 1),
    loadGeneratorCpuPct: round(median(ownCpu), 1),
    loadAverageBefore
  })
}

/** The measurement from per-round figures: medians over the rounds, the peak memory, the sums given. */
export function summarise (figures: RoundFigures[], statusCounts: Record<string, number>, errors: number,
  context: Pick<Measurement, 'mongoCpuPct' | 'loadGeneratorCpuPct' | 'loadAverageBefore'>): Measurement {
  const med = (key: keyof RoundFigures) => round(median(figures.map((f) => f[key])), 2)
  return {
    rps: med('rps'),
    latencyMs: { p50: med('p50'), p90: med('p90'), p99: med('p99'), max: med('max') },
    statusCounts,
    errors,
    rssPeakMB: Math.max(...figures.map((f) => f.rssPeakMB)),
    cpuPct: med('cpuPct'),
    rounds: figures,
    ...context
  }
}
