// Does an index serve a query? The ESR rule: the index starts with the query's
// equality fields (in any order), continues with its sort fields (in order, all
// in the same or all in the opposite direction), and holds its range fields
// after that. A unique index whose every key is matched by equality is a point
// lookup and serves any query. The repositories check list queries against the
// declared indexes before sending them; the coverage test checks every query
// the test suite sent.
import type { IndexDescription } from 'mongodb'

export interface QueryPlan {
  equality: string[]
  sort: Array<[field: string, direction: 1 | -1]>
  range: string[]
}

const EQUALITY_OPERATORS = new Set(['$eq', '$in'])

function isOperatorObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) &&
    Object.keys(value).length > 0 && Object.keys(value).every((key) => key.startsWith('$'))
}

/** Splits a filter (or its shape) into equality and range fields. */
export function planOf (filter: Record<string, unknown>, sort: Record<string, unknown> | null = null): QueryPlan {
  const equality = new Set<string>()
  const range = new Set<string>()
  const visit = (clause: Record<string, unknown>, inAlternative: boolean) => {
    for (const [field, value] of Object.entries(clause)) {
      if (field === '$and' && Array.isArray(value)) {
        for (const sub of value) visit(sub as Record<string, unknown>, inAlternative)
      } else if ((field === '$or' || field === '$nor') && Array.isArray(value)) {
        // Keyset pages and alternatives: every field inside bounds a range.
        for (const sub of value) visit(sub as Record<string, unknown>, true)
      } else if (field.startsWith('$')) {
        continue
      } else if (!inAlternative && (!isOperatorObject(value) || Object.keys(value).every((op) => EQUALITY_OPERATORS.has(op)))) {
        equality.add(field)
      } else {
        range.add(field)
      }
    }
  }
  visit(filter, false)
  for (const field of equality) range.delete(field)
  const sortEntries = Object.entries(sort ?? {}).map(([field, direction]) => [field, Number(direction) < 0 ? -1 : 1] as [string, 1 | -1])
  return { equality: [...equality], sort: sortEntries, range: [...range] }
}

function keysOf (index: IndexDescription): Array<[string, number]> {
  const key = index.key instanceof Map ? Object.fromEntries(index.key) : index.key
  return Object.entries(key).map(([field, direction]) => [field, Number(direction)])
}

export function indexServes (index: IndexDescription, plan: QueryPlan): boolean {
  const keys = keysOf(index)
  const equality = new Set(plan.equality)
  const isPointLookup = (index.unique === true || index.name === '_id_') && keys.every(([field]) => equality.has(field))
  if (isPointLookup) return true

  let position = 0
  while (position < keys.length && equality.has(keys[position]![0])) position++
  if (position < equality.size) return false

  const sortKeys = keys.slice(position, position + plan.sort.length)
  if (sortKeys.length < plan.sort.length) return false
  const sameWay = plan.sort.every(([field, direction], i) => sortKeys[i]![0] === field && sortKeys[i]![1] === direction)
  const oppositeWay = plan.sort.every(([field, direction], i) => sortKeys[i]![0] === field && sortKeys[i]![1] === -direction)
  if (!sameWay && !oppositeWay) return false

  const rest = new Set(keys.slice(position).map(([field]) => field))
  return plan.range.every((field) => rest.has(field))
}

/** The _id index every collection has. */
export const ID_INDEX: IndexDescription = { key: { _id: 1 }, name: '_id_' }

export function servedBy (indexes: IndexDescription[], plan: QueryPlan): IndexDescription | undefined {
  return [ID_INDEX, ...indexes].find((index) => indexServes(index, plan))
}
