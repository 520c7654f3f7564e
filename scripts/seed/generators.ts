// Every collection the seed writes, parents before children (a unit's property is written
// first). A new collection's generator is added here and gets a tag in ids.ts.
import { agencies } from './agencies.ts'
import type { Generator } from './generator.ts'
import { properties } from './properties.ts'
import { users } from './users.ts'

export const GENERATORS: readonly Generator[] = [agencies, users, properties]

/** Names the generators and their versions; a stored dataset with another fingerprint is rebuilt. */
export function generatorsFingerprint (): string {
  return GENERATORS.map((g) => `${g.collection}@${g.version}`).join(',')
}
