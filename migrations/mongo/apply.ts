// Applies declared MongoDB indexes. Idempotent: an index that already exists with
// the same keys and options is left alone; one whose options changed is rebuilt,
// since the declaration is the source of truth. Indexes found in the database
// but not declared are reported, never dropped: removing one is a decision.
import type { Db, IndexDescription } from 'mongodb'

export type IndexDefinitions = Record<string, IndexDescription[]>

export interface IndexReport { created: string[], rebuilt: string[], unchanged: string[], undeclared: string[] }

const INDEX_OPTIONS_CONFLICT = new Set([85, 86])
const NAMESPACE_NOT_FOUND = 26

export function nameOf (index: IndexDescription): string {
  return index.name ?? Object.entries(index.key).map(([field, dir]) => `${field}_${String(dir)}`).join('_')
}

async function existingNames (db: Db, collection: string): Promise<Set<string>> {
  try {
    const indexes = await db.collection(collection).listIndexes().toArray()
    return new Set(indexes.map((index) => String(index.name)))
  } catch (err) {
    if ((err as { code?: number }).code === NAMESPACE_NOT_FOUND) return new Set()
    throw err
  }
}

export async function applyIndexes (db: Db, definitions: IndexDefinitions): Promise<IndexReport> {
  const report: IndexReport = { created: [], rebuilt: [], unchanged: [], undeclared: [] }
  for (const [collectionName, indexes] of Object.entries(definitions)) {
    const collection = db.collection(collectionName)
    const before = await existingNames(db, collectionName)
    for (const index of indexes) {
      const name = nameOf(index)
      const qualified = `${collectionName}.${name}`
      try {
        await collection.createIndexes([{ ...index, name }])
        ;(before.has(name) ? report.unchanged : report.created).push(qualified)
      } catch (err) {
        if (!INDEX_OPTIONS_CONFLICT.has((err as { code?: number }).code ?? 0)) throw err
        await collection.dropIndex(name)
        await collection.createIndexes([{ ...index, name }])
        report.rebuilt.push(qualified)
      }
    }
    const declared = new Set(['_id_', ...indexes.map(nameOf)])
    for (const name of before) if (!declared.has(name)) report.undeclared.push(`${collectionName}.${name}`)
  }
  return report
}
