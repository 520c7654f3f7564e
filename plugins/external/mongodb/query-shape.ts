// The shape of a MongoDB command: field names, operators and sort directions,
// with every value replaced by '?'. Safe to log (no tenant data, no secrets) and
// stable across calls, so it also serves as a key for "which query is this".
import type { Document } from 'mongodb'

const HIDDEN = '?'
const MAX_DEPTH = 6

function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

// Keeps keys and operators; replaces values. Logical operators ($and, $or, $nor)
// hold sub-filters, so their array elements keep their own shapes.
export function filterShape (filter: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return HIDDEN
  if (Array.isArray(filter)) return filter.map((item) => filterShape(item, depth + 1))
  if (!isPlainObject(filter)) return HIDDEN
  const shape: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(filter)) {
    const holdsFilters = key === '$and' || key === '$or' || key === '$nor' || key === '$elemMatch' || key === '$not'
    shape[key] = holdsFilters || isPlainObject(value) ? filterShape(value, depth + 1) : HIDDEN
  }
  return shape
}

// The driver may hand sort and projection over as Maps (they keep key order).
function plain (doc: unknown): unknown {
  return doc instanceof Map ? Object.fromEntries(doc) : doc
}

function keysOf (doc: unknown): string[] {
  doc = plain(doc)
  return isPlainObject(doc) ? Object.keys(doc) : []
}

function stageShape (stage: Document): unknown {
  const [name] = Object.keys(stage)
  if (name === undefined) return {}
  const body = stage[name] as unknown
  if (name === '$match') return { $match: filterShape(body) }
  if (name === '$sort') return { $sort: plain(body) }
  return { [name]: keysOf(body) }
}

export function queryShape (commandName: string, command: Document): Document {
  switch (commandName) {
    case 'find':
      return { filter: filterShape(command.filter ?? {}), sort: plain(command.sort) ?? null, projection: keysOf(command.projection) }
    case 'aggregate':
      return { pipeline: (command.pipeline as Document[] | undefined ?? []).map(stageShape) }
    case 'count':
    case 'distinct':
      return { filter: filterShape(command.query ?? {}), key: command.key ?? null }
    case 'findAndModify':
      return { filter: filterShape(command.query ?? {}), sort: plain(command.sort) ?? null, update: keysOf(command.update) }
    case 'update':
      return { updates: (command.updates as Document[] | undefined ?? []).map((u) => ({ filter: filterShape(u.q), update: keysOf(u.u) })) }
    case 'delete':
      return { deletes: (command.deletes as Document[] | undefined ?? []).map((d) => ({ filter: filterShape(d.q) })) }
    case 'insert':
      return { documents: (command.documents as unknown[] | undefined)?.length ?? 0 }
    default:
      return { keys: Object.keys(command).filter((key) => !key.startsWith('$') && key !== 'lsid') }
  }
}
