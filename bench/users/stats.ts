// What one phase of the users workload measured: per request type the latency percentiles of
// the admitted requests, and how many were shed (503 OVERLOADED), limited (429) or failed; per
// second the same in short, for the spike's timeline. The bounds apply to the requests
// the local server serves like MongoDB would (not †): p99 ≤ 250 ms for reads, ≤ 500 ms for writes.
import type { VegetaResult } from './attack.ts'
import { REQUEST_TYPES, type RequestType } from './workload.ts'

export interface Bounds { read: number, write: number }
export const BOUNDS_MS: Bounds = { read: 250, write: 500 }

export type Outcome = 'ok' | 'shed' | 'limited' | 'error'

export interface TypeFigures {
  sent: number
  ok: number
  shed: number
  limited: number
  /** anything else: no answer, an unexpected status, a 503 that is not load shedding */
  errors: number
  /** of the admitted requests (answered, neither shed nor limited), in ms */
  p50: number
  p90: number
  p99: number
  max: number
  statusCounts: Record<string, number>
  /** a few error messages, for the report */
  errorSamples: string[]
}

export interface SecondFigures {
  /** seconds since the phase began, by send time */
  t: number
  sent: number
  ok: number
  shed: number
  limited: number
  errors: number
  readP99: number
  writeP99: number
}

function percentile (sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

const round1 = (value: number) => Math.round(value * 10) / 10

class Latencies {
  private values: number[] = []
  add (ms: number): void { this.values.push(ms) }
  figures (): { p50: number, p90: number, p99: number, max: number } {
    const sorted = Float64Array.from(this.values).sort()
    return { p50: round1(percentile(sorted, 50)), p90: round1(percentile(sorted, 90)), p99: round1(percentile(sorted, 99)), max: round1(sorted.at(-1) ?? 0) }
  }
}

export function outcomeOf (result: VegetaResult, bodyCode: () => string | undefined): Outcome {
  if (result.code >= 200 && result.code < 400) return 'ok'
  if (result.code === 429) return 'limited'
  if (result.code === 503 && bodyCode() === 'OVERLOADED') return 'shed'
  return 'error'
}

interface Bucket { sent: number, ok: number, shed: number, limited: number, errors: number, reads: Latencies, writes: Latencies }

export class PhaseStats {
  private types = new Map<RequestType, { figures: Omit<TypeFigures, 'p50' | 'p90' | 'p99' | 'max'>, latencies: Latencies }>()
  private seconds = new Map<number, Bucket>()
  private startedAt: number | undefined

  /** startMs: the phase's start on the wall clock (vegeta's timestamps are wall-clock times). */
  constructor (startMs?: number) { this.startedAt = startMs }

  add (type: RequestType, result: VegetaResult, outcome: Outcome): void {
    let entry = this.types.get(type)
    if (entry === undefined) {
      entry = { figures: { sent: 0, ok: 0, shed: 0, limited: 0, errors: 0, statusCounts: {}, errorSamples: [] }, latencies: new Latencies() }
      this.types.set(type, entry)
    }
    const f = entry.figures
    const ms = result.latency / 1e6
    f.sent++
    f.statusCounts[String(result.code)] = (f.statusCounts[String(result.code)] ?? 0) + 1
    if (outcome === 'ok') f.ok++
    else if (outcome === 'shed') f.shed++
    else if (outcome === 'limited') f.limited++
    else {
      f.errors++
      if (f.errorSamples.length < 3) f.errorSamples.push(result.error !== '' ? result.error : `HTTP ${result.code}`)
    }
    const admitted = outcome === 'ok' || outcome === 'error'
    if (admitted && result.code !== 0) entry.latencies.add(ms)

    const sentAt = Date.parse(result.timestamp)
    this.startedAt ??= sentAt
    const second = Math.max(0, Math.floor((sentAt - this.startedAt) / 1000))
    let bucket = this.seconds.get(second)
    if (bucket === undefined) {
      bucket = { sent: 0, ok: 0, shed: 0, limited: 0, errors: 0, reads: new Latencies(), writes: new Latencies() }
      this.seconds.set(second, bucket)
    }
    bucket.sent++
    bucket[outcome === 'error' ? 'errors' : outcome]++
    if (admitted && result.code !== 0 && !REQUEST_TYPES[type].scan) bucket[REQUEST_TYPES[type].kind === 'read' ? 'reads' : 'writes'].add(ms)
  }

  byType (): Partial<Record<RequestType, TypeFigures>> {
    const out: Partial<Record<RequestType, TypeFigures>> = {}
    for (const type of Object.keys(REQUEST_TYPES) as RequestType[]) {
      const entry = this.types.get(type)
      if (entry !== undefined) out[type] = { ...entry.figures, ...entry.latencies.figures() }
    }
    return out
  }

  timeline (): SecondFigures[] {
    return [...this.seconds.entries()].sort(([a], [b]) => a - b).map(([t, b]) => ({
      t, sent: b.sent, ok: b.ok, shed: b.shed, limited: b.limited, errors: b.errors, readP99: b.reads.figures().p99, writeP99: b.writes.figures().p99
    }))
  }
}

export interface Verdict {
  /** the slowest p99 among the types the bounds apply to, by kind */
  readP99: number
  writeP99: number
  unplannedErrors: number
  withinBounds: boolean
}

/**
 * Bounds over the non-† types. Shed (503) and limited (429) requests are planned in a spike
 * (sheddingPlanned) and errors anywhere else; no answer or any other failure is always an error.
 */
export function verdict (byType: Partial<Record<RequestType, TypeFigures>>, sheddingPlanned: boolean, bounds: Bounds = BOUNDS_MS): Verdict {
  let readP99 = 0
  let writeP99 = 0
  let unplannedErrors = 0
  for (const [type, figures] of Object.entries(byType) as Array<[RequestType, TypeFigures]>) {
    unplannedErrors += figures.errors + (sheddingPlanned ? 0 : figures.shed + figures.limited)
    if (type === 'login' || REQUEST_TYPES[type].scan) continue
    if (REQUEST_TYPES[type].kind === 'read') readP99 = Math.max(readP99, figures.p99)
    else writeP99 = Math.max(writeP99, figures.p99)
  }
  return { readP99, writeP99, unplannedErrors, withinBounds: unplannedErrors === 0 && readP99 <= bounds.read && writeP99 <= bounds.write }
}
