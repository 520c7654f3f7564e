// Deterministic pseudo-random numbers for the seed: the same seed number gives the same data.
//
// Math.random cannot be seeded, and the npm PRNG packages wrap the same few lines, so this is
// sfc32 (Chris Doty-Humphrey's "small fast counting" generator from PractRand: 128 bits of
// state, passes PractRand and BigCrush, a handful of 32-bit operations per number), seeded by
// cyrb128 (bryc's string hash, four independent 32-bit outputs). Each stream is keyed by a
// string such as "42/properties/7": a generator draws from its own stream per agency, so adding
// a generator, or changing one, never changes what another produces.

export interface Rng {
  /** uniform in [0, 1) */
  next: () => number
  /** integer in [min, max], both included */
  int: (min: number, max: number) => number
  pick: <T>(items: readonly T[]) => T
  chance: (probability: number) => boolean
  /** a Date uniformly between from and to */
  date: (from: Date, to: Date) => Date
}

function cyrb128 (text: string): [number, number, number, number] {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

function sfc32 (seed: [number, number, number, number]): () => number {
  let [a, b, c, d] = seed
  const next = () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  // The first outputs still echo the seed; the reference implementation discards them too.
  for (let i = 0; i < 12; i++) next()
  return next
}

/** The stream named by key, e.g. rng(seed, 'properties', agencyIndex). */
export function rng (...key: Array<string | number>): Rng {
  const next = sfc32(cyrb128(key.join('/')))
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list')
      return items[int(0, items.length - 1)]!
    },
    chance: (probability) => next() < probability,
    date: (from, to) => new Date(from.getTime() + Math.floor(next() * Math.max(0, to.getTime() - from.getTime())))
  }
}
