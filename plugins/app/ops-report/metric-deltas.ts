// What a Prometheus counter or histogram of this process gained since the last
// look, per label set. The report's per-minute aggregates are these differences,
// so they agree with /metrics by construction and cost the request path nothing
// beyond the observation /metrics already makes.
import type { Registry } from '@platformatic/prom-client'

export type Labels = Record<string, string>
export interface CounterDelta { labels: Labels, value: number }
export interface HistogramDelta { labels: Labels, count: number, sum: number, buckets: number[] }

interface Sample { value: number, metricName?: string, labels: Record<string, string | number> }

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a < b ? -1 : 1))

export class MetricDeltas {
  private readonly previous = new Map<string, number[]>()
  private readonly registry: Registry

  constructor (registry: Registry) {
    this.registry = registry
  }

  private async samples (name: string): Promise<Sample[]> {
    const metric = this.registry.getSingleMetric(name)
    if (metric === undefined) return []
    return (await metric.get()).values as Sample[]
  }

  /** A series' values minus those of the last call; a reset (a smaller value) counts from zero. */
  private delta (name: string, labels: Labels, values: number[]): number[] {
    const key = `${name}|${keyOf(labels)}`
    const before = this.previous.get(key)
    this.previous.set(key, values)
    if (before === undefined || values[0]! < before[0]!) return values
    return values.map((value, i) => value - (before[i] ?? 0))
  }

  async counter (name: string): Promise<CounterDelta[]> {
    const deltas: CounterDelta[] = []
    for (const sample of await this.samples(name)) {
      const labels = Object.fromEntries(Object.entries(sample.labels).map(([k, v]) => [k, String(v)]))
      const [value] = this.delta(name, labels, [sample.value])
      if (value! > 0) deltas.push({ labels, value: value! })
    }
    return deltas
  }

  /** Per label set: observations, their sum and the count per bucket (not cumulative; +Inf last). */
  async histogram (name: string): Promise<HistogramDelta[]> {
    const series = new Map<string, { labels: Labels, cumulative: number[], count: number, sum: number }>()
    const seriesOf = (raw: Sample['labels']) => {
      const labels: Labels = {}
      for (const [k, v] of Object.entries(raw)) if (k !== 'le') labels[k] = String(v)
      const key = keyOf(labels)
      let entry = series.get(key)
      if (entry === undefined) {
        entry = { labels, cumulative: [], count: 0, sum: 0 }
        series.set(key, entry)
      }
      return entry
    }
    // prom-client lists a series' buckets in bound order, then its sum and count.
    for (const sample of await this.samples(name)) {
      const entry = seriesOf(sample.labels)
      if (sample.metricName?.endsWith('_bucket') === true) entry.cumulative.push(sample.value)
      else if (sample.metricName?.endsWith('_sum') === true) entry.sum = sample.value
      else if (sample.metricName?.endsWith('_count') === true) entry.count = sample.value
    }
    const deltas: HistogramDelta[] = []
    for (const { labels, cumulative, count, sum } of series.values()) {
      const [dCount, dSum, ...dCumulative] = this.delta(name, labels, [count, sum, ...cumulative])
      if (dCount! <= 0) continue
      const buckets = dCumulative.map((value, i) => value - (i === 0 ? 0 : dCumulative[i - 1]!))
      deltas.push({ labels, count: dCount!, sum: dSum!, buckets })
    }
    return deltas
  }
}
