// Fixed-bucket latency histograms, the way Prometheus keeps them: counts per
// bucket (here not cumulative, one more than the bounds for +Inf), so the
// minutes of every instance add up bucket by bucket and a quantile comes from the
// sum (linear within a bucket, as histogram_quantile does).

/** The bucket a value falls in: the first bound it does not exceed, else +Inf. */
export function bucketOf (bounds: readonly number[], value: number): number {
  let low = 0
  let high = bounds.length
  while (low < high) {
    const middle = (low + high) >> 1
    if (value <= bounds[middle]!) high = middle
    else low = middle + 1
  }
  return low
}

/** The q-quantile (0..1) of the counts, in the bounds' unit; null without observations. */
export function quantile (bounds: readonly number[], counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0)
  if (total === 0) return null
  const rank = q * total
  let seen = 0
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!
    if (count > 0 && seen + count >= rank) {
      // Above the last bound nothing is known but that it is above: answer the bound.
      if (i >= bounds.length) return bounds.at(-1) ?? null
      const lower = i === 0 ? 0 : bounds[i - 1]!
      return lower + (bounds[i]! - lower) * ((rank - seen) / count)
    }
    seen += count
  }
  return bounds.at(-1) ?? null
}

export function addInto (target: number[], counts: readonly number[]): void {
  for (let i = 0; i < counts.length; i++) target[i] = (target[i] ?? 0) + counts[i]!
}
