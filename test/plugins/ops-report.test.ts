// The report's building blocks, on their own: the top-k sketch, quantiles from
// summed buckets, and the per-interval differences of Prometheus metrics.
import { test } from 'tap'
import promClient from '@platformatic/prom-client'
import { SpaceSaving } from '../../plugins/app/ops-report/space-saving.ts'
import { bucketOf, quantile } from '../../plugins/app/ops-report/histogram.ts'
import { MetricDeltas } from '../../plugins/app/ops-report/metric-deltas.ts'

test('space-saving keeps the heavy keys of a long tail in bounded memory, within its error bound', async (t) => {
  const sketch = new SpaceSaving(50)
  const truth = new Map<string, number>()
  let seed = 42
  const random = () => { seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; return seed / 2 ** 31 }
  for (let i = 0; i < 100_000; i++) {
    // Five heavy agencies take half the time; 20,000 others share the rest.
    const key = random() < 0.5 ? `heavy-${Math.floor(random() * 5)}` : `tail-${Math.floor(random() * 20_000)}`
    const weight = 1 + random() * 10
    sketch.add(key, weight)
    truth.set(key, (truth.get(key) ?? 0) + weight)
  }
  t.equal(sketch.size, 50, 'never more counters than its capacity')
  const top = sketch.top(5)
  t.same(top.map((entry) => entry.key).sort(), ['heavy-0', 'heavy-1', 'heavy-2', 'heavy-3', 'heavy-4'], 'the five heavy keys, first')
  for (const entry of top) {
    const real = truth.get(entry.key)!
    t.ok(entry.weight >= real && entry.weight - entry.error <= real, `${entry.key}: ${real.toFixed(0)} within [${(entry.weight - entry.error).toFixed(0)}, ${entry.weight.toFixed(0)}]`)
  }
  t.throws(() => new SpaceSaving(0), RangeError)
})

test('quantiles from bucket counts interpolate within a bucket, like histogram_quantile', async (t) => {
  const bounds = [0.01, 0.1, 1]
  t.equal(bucketOf(bounds, 0.005), 0)
  t.equal(bucketOf(bounds, 0.01), 0, 'a bound belongs to its bucket (le)')
  t.equal(bucketOf(bounds, 0.5), 2)
  t.equal(bucketOf(bounds, 7), 3, 'above every bound: +Inf')
  t.equal(quantile(bounds, [0, 0, 0, 0], 0.5), null, 'no observations')
  t.equal(quantile(bounds, [10, 0, 0, 0], 0.5), 0.005)
  t.ok(Math.abs(quantile(bounds, [0, 10, 0, 0], 0.5)! - 0.055) < 1e-12, 'halfway through the second bucket')
  t.equal(quantile(bounds, [50, 0, 0, 50], 0.99), 1, 'in +Inf: the highest bound')
})

test('metric differences per interval, per label set, through a reset', async (t) => {
  const registry = new promClient.Registry()
  const histogram = new promClient.Histogram({ name: 't_seconds', help: 't', labelNames: ['route'], buckets: [0.1, 1], registers: [registry] })
  const counter = new promClient.Counter({ name: 't_total', help: 't', labelNames: ['cache'], registers: [registry] })
  const deltas = new MetricDeltas(registry)
  histogram.observe({ route: '/a' }, 0.05)
  histogram.observe({ route: '/a' }, 5)
  counter.inc({ cache: 'l1' }, 3)
  t.same(await deltas.histogram('t_seconds'), [{ labels: { route: '/a' }, count: 2, sum: 5.05, buckets: [1, 0, 1] }])
  t.same(await deltas.counter('t_total'), [{ labels: { cache: 'l1' }, value: 3 }])
  histogram.observe({ route: '/a' }, 0.5)
  histogram.observe({ route: '/b' }, 0.5)
  t.same((await deltas.histogram('t_seconds')).map((d) => [d.labels.route, d.count, d.buckets]), [['/a', 1, [0, 1, 0]], ['/b', 1, [0, 1, 0]]], 'only what is new')
  t.same(await deltas.counter('t_total'), [], 'nothing new')
  registry.resetMetrics()
  counter.inc({ cache: 'l1' }, 2)
  t.same(await deltas.counter('t_total'), [{ labels: { cache: 'l1' }, value: 2 }], 'after a reset, counted from zero')
  t.same(await deltas.histogram('missing_metric'), [], 'a metric this process does not have')
})
