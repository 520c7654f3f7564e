// The contract of a collection's generator. Each one turns an agency's plan into that
// collection's documents, exactly as the collection's repository writes them, and draws its
// randomness from its own streams (prng.ts) so that generators stay independent of each other.
import type { Document } from 'mongodb'
import type { AgencyPlan, SeedPlan } from './plan.ts'

export interface SeedContext {
  plan: SeedPlan
  /** argon2id hash of plan.password, computed once: hashing per user would dominate the seed */
  passwordHash: string
}

export interface Generator<T extends Document = Document> {
  collection: string
  /** bump when the generated documents change: a stored dataset made by an older one is rebuilt */
  version: number
  /** how many documents generate() yields for this agency (known before writing, for the progress bar) */
  count: (agency: AgencyPlan, context: SeedContext) => number
  generate: (agency: AgencyPlan, context: SeedContext) => Iterable<T>
}
