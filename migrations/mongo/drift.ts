// The declared indexes (migrations/mongo) against those a database holds, with
// their use since the server started ($indexStats): what is there, what differs,
// what is missing, what nobody declared, what no query used. Read by the
// operator's GET /ops/indexes and by `npm run migrate -- --check`.
import type { Db, Document, IndexDescription } from 'mongodb'
import { nameOf, type IndexDefinitions } from './apply.ts'

const NAMESPACE_NOT_FOUND = 26
/** the options that change what an index does; the rest (version, background…) do not */
const MEANINGFUL = ['unique', 'sparse', 'expireAfterSeconds', 'partialFilterExpression', 'collation'] as const

export interface IndexUsage { ops: number, since: string | null }
export interface DeclaredIndex {
  name: string
  key: Document
  state: 'present' | 'missing' | 'different'
  /** what differs from the declaration, when state is 'different' */
  difference?: string
  usage: IndexUsage | null
}
export interface UndeclaredIndex { name: string, key: Document, usage: IndexUsage | null }
export interface CollectionIndexes {
  collection: string
  declared: DeclaredIndex[]
  undeclared: UndeclaredIndex[]
  /** present indexes (declared or not, _id aside) that no operation used since `since` */
  unused: string[]
}

const optionsOf = (index: Document) => JSON.stringify(Object.fromEntries(MEANINGFUL.filter((option) => index[option] !== undefined).map((option) => [option, index[option]])))

async function present (db: Db, collection: string): Promise<Document[]> {
  try {
    return await db.collection(collection).listIndexes().toArray()
  } catch (err) {
    if ((err as { code?: number }).code === NAMESPACE_NOT_FOUND) return []
    throw err
  }
}

async function usageOf (db: Db, collection: string, maxTimeMS: number): Promise<Map<string, IndexUsage>> {
  try {
    const stats = await db.collection(collection).aggregate<{ name: string, accesses?: { ops?: unknown, since?: unknown } }>([{ $indexStats: {} }], { maxTimeMS }).toArray()
    return new Map(stats.map((stat) => [stat.name, {
      ops: Number(stat.accesses?.ops ?? 0),
      since: stat.accesses?.since instanceof Date ? stat.accesses.since.toISOString() : null
    }]))
  } catch (err) {
    if ((err as { code?: number }).code === NAMESPACE_NOT_FOUND) return new Map()
    throw err
  }
}

export async function compareIndexes (db: Db, definitions: IndexDefinitions, maxTimeMS: number): Promise<CollectionIndexes[]> {
  return await Promise.all(Object.entries(definitions).map(async ([collection, declarations]) => {
    const [indexes, usage] = await Promise.all([present(db, collection), usageOf(db, collection, maxTimeMS)])
    const byName = new Map(indexes.map((index) => [String(index.name), index]))
    const declared = declarations.map((declaration: IndexDescription): DeclaredIndex => {
      const name = nameOf(declaration)
      const found = byName.get(name)
      const entry: DeclaredIndex = { name, key: declaration.key as Document, state: 'present', usage: usage.get(name) ?? null }
      if (found === undefined) return { ...entry, state: 'missing', usage: null }
      if (JSON.stringify(found.key) !== JSON.stringify(declaration.key)) return { ...entry, state: 'different', difference: `keys ${JSON.stringify(found.key)}` }
      if (optionsOf(found) !== optionsOf(declaration)) return { ...entry, state: 'different', difference: `options ${optionsOf(found)}, declared ${optionsOf(declaration)}` }
      return entry
    })
    const declaredNames = new Set(['_id_', ...declared.map((index) => index.name)])
    const undeclared = indexes.filter((index) => !declaredNames.has(String(index.name)))
      .map((index) => ({ name: String(index.name), key: index.key as Document, usage: usage.get(String(index.name)) ?? null }))
    const unused = [...declared.filter((index) => index.state !== 'missing'), ...undeclared]
      .filter((index) => index.usage !== null && index.usage.ops === 0).map((index) => index.name)
    return { collection, declared, undeclared, unused }
  }))
}

/** One line per drift (missing, different or undeclared index); none when the database matches. */
export function describeDrift (collections: CollectionIndexes[]): string[] {
  return collections.flatMap(({ collection, declared, undeclared }) => [
    ...declared.filter((index) => index.state === 'missing').map((index) => `${collection}.${index.name}: declared, missing`),
    ...declared.filter((index) => index.state === 'different').map((index) => `${collection}.${index.name}: differs from its declaration (${index.difference})`),
    ...undeclared.map((index) => `${collection}.${index.name}: present, not declared`)
  ])
}
