// Keyset pagination cursors: the sort field, its direction, and the last item's
// sort value and _id, base64url-encoded. Stable under inserts (no offsets), and
// bound to the sort they were made for.
import { ObjectId } from 'mongodb'
import { codedError } from '../error-handler.ts'

export interface Sort { field: string, direction: 1 | -1 }
interface CursorBody { f: string, d: 1 | -1, v: string | number | { $date: string }, i: string }

type SortValue = string | number | Date

export function parseSort (param: string): Sort {
  return param.startsWith('-') ? { field: param.slice(1), direction: -1 } : { field: param, direction: 1 }
}

export function encodeCursor (sort: Sort, value: SortValue, id: ObjectId): string {
  const v = value instanceof Date ? { $date: value.toISOString() } : value
  const body: CursorBody = { f: sort.field, d: sort.direction, v, i: id.toHexString() }
  return Buffer.from(JSON.stringify(body)).toString('base64url')
}

const invalid = () => codedError(400, 'INVALID_CURSOR', 'The cursor is not one this list produced; start again without it')

function decodeValue (v: unknown): SortValue {
  if (typeof v === 'string' || typeof v === 'number') return v
  if (v !== null && typeof v === 'object' && typeof (v as { $date?: unknown }).$date === 'string') {
    const date = new Date((v as { $date: string }).$date)
    if (!Number.isNaN(date.getTime())) return date
  }
  throw invalid()
}

export function decodeCursor (cursor: string, sort: Sort): { value: SortValue, id: ObjectId } {
  let body: Partial<CursorBody>
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody>
  } catch {
    throw invalid()
  }
  if (body.f !== sort.field || body.d !== sort.direction) {
    throw codedError(400, 'INVALID_CURSOR', 'The cursor belongs to another sort order; start again without it')
  }
  if (typeof body.i !== 'string' || !ObjectId.isValid(body.i) || body.i.length !== 24) throw invalid()
  return { value: decodeValue(body.v), id: new ObjectId(body.i) }
}

/** The filter clause selecting items after the cursor in the given order. */
export function afterCursor (sort: Sort, value: SortValue, id: ObjectId): Record<string, unknown> {
  const beyond = sort.direction === 1 ? '$gt' : '$lt'
  return { $or: [{ [sort.field]: { [beyond]: value } }, { [sort.field]: value, _id: { [beyond]: id } }] }
}

export interface PageParams { sort?: string | undefined, limit?: number | undefined, cursor?: string | undefined, updatedSince?: string | undefined }

/** The paging part of a list query, from a route's validated query string. */
export function pageOptions (params: PageParams, defaultSort: string) {
  return {
    sort: parseSort(params.sort ?? defaultSort),
    limit: params.limit ?? 25,
    cursor: params.cursor,
    updatedSince: params.updatedSince === undefined ? undefined : new Date(params.updatedSince)
  }
}
