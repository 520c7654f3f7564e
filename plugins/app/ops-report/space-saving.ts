// The heaviest keys of a weighted stream in bounded memory: Metwally, Agrawal and
// El Abbadi's space-saving algorithm. It keeps `capacity` counters; a key not
// among them takes the place of the lightest one and inherits its weight as its
// possible overestimate (`error`). Any key heavier than total / capacity is
// guaranteed to be kept, and each kept weight is at most `error` above the truth.
// Here it finds the agencies that cost the most request time per minute, however
// many agencies there are. Why our own: no small, maintained npm package offers
// it (bloom-filters' TopK is a count-min sketch plus a heap, with its own
// dependency tree, and gives no error bound per key to carry into the report).
export interface HeavyKey { key: string, weight: number, count: number, error: number }

export class SpaceSaving {
  private readonly counters = new Map<string, HeavyKey>()
  private readonly capacity: number

  constructor (capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer')
    this.capacity = capacity
  }

  add (key: string, weight: number): void {
    const counter = this.counters.get(key)
    if (counter !== undefined) {
      counter.weight += weight
      counter.count++
      return
    }
    if (this.counters.size < this.capacity) {
      this.counters.set(key, { key, weight, count: 1, error: 0 })
      return
    }
    // Evicting is the rare path (more distinct keys than counters); a linear scan
    // of a hundred counters costs less than keeping a heap in order on every add.
    let lightest: HeavyKey | undefined
    for (const candidate of this.counters.values()) if (lightest === undefined || candidate.weight < lightest.weight) lightest = candidate
    this.counters.delete(lightest!.key)
    this.counters.set(key, { key, weight: lightest!.weight + weight, count: lightest!.count + 1, error: lightest!.weight })
  }

  /** The n heaviest keys, heaviest first. */
  top (n: number): HeavyKey[] {
    return [...this.counters.values()].sort((a, b) => b.weight - a.weight).slice(0, n)
  }

  get size (): number {
    return this.counters.size
  }

  clear (): void {
    this.counters.clear()
  }
}
