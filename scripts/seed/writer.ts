// Writes a plan through the generators: unordered insertMany in batches, a few batches in
// flight so the server always has work, and a rate in documents per second at the end.
// Generators stream: only the batches in flight are in memory, whatever the scale.
import type { Db, Document } from 'mongodb'
import { GENERATORS } from './generators.ts'
import type { SeedContext } from './generator.ts'
import { progressBar } from './progress.ts'

const BATCH_SIZE = 1_000
// Measured on mongo-java-server (2 cores): 4 batches in flight reach its ~40k inserts/s;
// more only queue up inside the server.
const IN_FLIGHT = 4

export interface WriteReport {
  counts: Record<string, number>
  documents: number
  seconds: number
  docsPerSecond: number
}

export function plannedCounts (context: SeedContext): Record<string, number> {
  return Object.fromEntries(GENERATORS.map((g) => [g.collection, context.plan.agencies.reduce((sum, agency) => sum + g.count(agency, context), 0)]))
}

export async function writePlan (db: Db, context: SeedContext): Promise<WriteReport> {
  // The rate covers everything: counting the plan walks the whole history once (seconds at L).
  const started = performance.now()
  process.stderr.write(`seed ${context.plan.name}: counting the plan's documents\n`)
  const counts = plannedCounts(context)
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  const progress = progressBar(`seed ${context.plan.name}`, total)
  let written = 0
  const inFlight = new Set<Promise<void>>()
  let failure: unknown

  const send = async (collection: string, docs: Document[]) => {
    // A full queue waits for any batch to finish: memory stays at IN_FLIGHT batches.
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
    if (failure !== undefined) throw failure
    const tracked: Promise<void> = db.collection(collection).insertMany(docs, { ordered: false })
      .then(() => {
        written += docs.length
        const seconds = (performance.now() - started) / 1000
        progress.tick(docs.length, `${Math.round(written / Math.max(seconds, 0.001)).toLocaleString('en-US')} docs/s`)
      }, (err: unknown) => { failure ??= err })
      .finally(() => inFlight.delete(tracked))
    inFlight.add(tracked)
  }

  for (const generator of GENERATORS) {
    let batch: Document[] = []
    for (const agency of context.plan.agencies) {
      for (const doc of generator.generate(agency, context)) {
        batch.push(doc)
        if (batch.length === BATCH_SIZE) {
          await send(generator.collection, batch)
          batch = []
        }
      }
    }
    if (batch.length > 0) await send(generator.collection, batch)
    // Children are written after their parents are complete.
    await Promise.all(inFlight)
    if (failure !== undefined) throw failure
  }

  const seconds = (performance.now() - started) / 1000
  const docsPerSecond = Math.round(total / Math.max(seconds, 0.001))
  progress.finish(`${total.toLocaleString('en-US')} documents in ${seconds.toFixed(1)} s, ${docsPerSecond.toLocaleString('en-US')} documents/s`)
  return { counts, documents: total, seconds, docsPerSecond }
}
