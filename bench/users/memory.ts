// Each server process's memory over a phase: resident set size from /proc (what the machine
// pays) and the V8 heap from the memory probe the process was started with
// (bench/servers/memory-probe.ts). Peaks over the phase, sampled every 500 ms.
import { readFile } from 'node:fs/promises'

export interface WatchedProcess {
  name: string
  pid: number
  /** where its memory probe writes; undefined when it runs without one */
  probeFile: string | undefined
}

export interface MemoryFigures {
  name: string
  rssPeakMB: number
  rssEndMB: number
  heapUsedPeakMB: number | null
  heapTotalPeakMB: number | null
  /** V8's young generation (both semi-spaces) at its largest */
  newSpacePeakMB: number | null
  /** the event loop's highest mean delay and utilisation over half a second (what under-pressure sheds on) */
  eventLoopDelayPeakMs: number | null
  eventLoopUtilizationPeak: number | null
  /** false when the process was gone at the end of the phase (crash, OOM kill) */
  alive: boolean
}

const MB = 2 ** 20
const SAMPLE_MS = 500
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10

async function rss (pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined)
  const kb = status === undefined ? undefined : /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
  return kb === undefined ? undefined : Number(kb) * 1024
}

interface Probe { at: number, heapUsed: number, heapTotal: number, newSpace: number, eventLoopDelayMs: number, eventLoopUtilization: number }

async function probe (file: string | undefined): Promise<Probe | undefined> {
  if (file === undefined) return undefined
  const text = await readFile(file, 'utf8').catch(() => undefined)
  try {
    return text === undefined ? undefined : JSON.parse(text) as Probe
  } catch {
    return undefined
  }
}

export interface MemoryWatch { stop: () => Promise<MemoryFigures[]> }

export function watchMemory (processes: WatchedProcess[]): MemoryWatch {
  const startedAt = Date.now() + 500
  const peaks = processes.map(() => ({ rss: 0, heapUsed: 0, heapTotal: 0, newSpace: 0, delay: 0, utilization: 0, lastAt: 0, probed: false }))
  const sample = async () => {
    await Promise.all(processes.map(async (p, i) => {
      const peak = peaks[i]!
      peak.rss = Math.max(peak.rss, await rss(p.pid) ?? 0)
      const figures = await probe(p.probeFile)
      if (figures === undefined) return
      peak.probed = true
      peak.heapUsed = Math.max(peak.heapUsed, figures.heapUsed)
      peak.heapTotal = Math.max(peak.heapTotal, figures.heapTotal)
      peak.newSpace = Math.max(peak.newSpace, figures.newSpace)
      // A window counts once, and only if it fell within the phase.
      if (figures.at > peak.lastAt && figures.at >= startedAt) {
        peak.lastAt = figures.at
        peak.delay = Math.max(peak.delay, figures.eventLoopDelayMs)
        peak.utilization = Math.max(peak.utilization, figures.eventLoopUtilization)
      }
    }))
  }
  void sample()
  const timer = setInterval(() => { void sample() }, SAMPLE_MS)
  timer.unref()
  return {
    async stop () {
      clearInterval(timer)
      await sample()
      return await Promise.all(processes.map(async (p, i) => {
        const peak = peaks[i]!
        const end = await rss(p.pid)
        return {
          name: p.name,
          rssPeakMB: mb(peak.rss),
          rssEndMB: end === undefined ? 0 : mb(end),
          heapUsedPeakMB: peak.probed ? mb(peak.heapUsed) : null,
          heapTotalPeakMB: peak.probed ? mb(peak.heapTotal) : null,
          newSpacePeakMB: peak.probed ? mb(peak.newSpace) : null,
          eventLoopDelayPeakMs: peak.probed ? Math.round(peak.delay) : null,
          eventLoopUtilizationPeak: peak.probed ? Math.round(peak.utilization * 100) / 100 : null,
          alive: end !== undefined
        }
      }))
    }
  }
}
