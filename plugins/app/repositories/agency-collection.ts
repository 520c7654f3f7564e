// The agency-scoped access every repository builds on. Each method takes the
// agency id first and puts it in the filter; every operation carries maxTimeMS,
// a projection, and a comment naming the repository method (the query monitor
// and the index-coverage test read it). List queries are checked against the
// collection's declared indexes before they are sent.
import type { Collection, Db, Document, Filter, FindCursor, IndexDescription, ObjectId, OptionalUnlessRequiredId, ReadPreferenceLike, UpdateFilter } from 'mongodb'
import { codedError } from '../error-handler.ts'
import { planOf, servedBy } from '../../../migrations/mongo/esr.ts'
import { afterCursor, decodeCursor, encodeCursor, type Sort } from './cursor.ts'

export interface AgencyDoc extends Document {
  _id: ObjectId
  agencyId: ObjectId
  createdAt: Date
  updatedAt: Date
}

export interface ListQuery {
  /** equality filters; undefined values are left out */
  equals?: Record<string, unknown>
  sort: Sort
  limit: number
  cursor?: string | undefined
  updatedSince?: Date | undefined
  /** a date range on one field (exports): from inclusive, to exclusive */
  range?: DateRange | undefined
}

export interface DateRange { field: string, from?: Date | undefined, to?: Date | undefined }

/** A whole list as one cursor (exports): the list's filters and order, no page. */
export type StreamQuery = Omit<ListQuery, 'limit' | 'cursor'>

export interface StreamOptions {
  readPreference: ReadPreferenceLike
  batchSize: number
  /** the cursor's whole server time, not one page's */
  maxTimeMS: number
}

export interface Page<T> { items: T[], nextCursor: string | null }

export interface CollectionOptions {
  maxTimeMS: number
  indexes: IndexDescription[]
  /** the fields the API needs; every read asks for these only */
  projection: Record<string, 1>
}

export const DUPLICATE_KEY = 11000

/** What a bulk import did with each row: inserted, already there (by its natural key), or refused. */
export type ImportOutcome = 'created' | 'existing' | { error: string }

// Databases of an app in HAVEN_UNOPTIMISED mode (the benchmark baseline): their lists run even
// when no declared index serves them, since measuring such scans is the point of that mode.
const unindexedListsAllowed = new WeakSet<Db>()

/** Called by the repositories plugin before it creates the repositories of that database. */
export function allowUnindexedLists (db: Db): void {
  unindexedListsAllowed.add(db)
}

/**
 * The import key of a document that did not come from an import. Every property and
 * tenant carries one, so a plain unique index on { agencyId, importKey } makes imports
 * idempotent: a partial index (only imported documents) would need a filter that
 * mongo-java-server ignores, and a sparse compound one still indexes every document by
 * its agency. Natural keys start with the agency's hex id, so "id:…" never equals one.
 */
export function ownImportKey (id: ObjectId): string {
  return `id:${id.toHexString()}`
}

export function isDuplicateKey (err: unknown): boolean {
  return (err as { code?: unknown }).code === DUPLICATE_KEY
}

export class AgencyCollection<T extends AgencyDoc> {
  readonly collection: Collection<T>
  readonly name: string
  readonly maxTimeMS: number
  readonly indexes: IndexDescription[]
  readonly projection: Record<string, 1>
  readonly unindexedListsAllowed: boolean

  constructor (db: Db, name: string, options: CollectionOptions) {
    this.name = name
    this.unindexedListsAllowed = unindexedListsAllowed.has(db)
    this.collection = db.collection<T>(name)
    this.maxTimeMS = options.maxTimeMS
    this.indexes = options.indexes
    this.projection = options.projection
  }

  /** maxTimeMS, projection and the method's name, for every read. */
  readOptions (method: string) {
    return { maxTimeMS: this.maxTimeMS, projection: this.projection, comment: `repo:${this.name}.${method}` }
  }

  writeOptions (method: string) {
    return { maxTimeMS: this.maxTimeMS, comment: `repo:${this.name}.${method}` }
  }

  scoped (agencyId: ObjectId, filter: Record<string, unknown> = {}): Filter<T> {
    return { ...filter, agencyId } as Filter<T>
  }

  async findById (agencyId: ObjectId, id: ObjectId, method = 'findById'): Promise<T | null> {
    return await this.collection.findOne(this.scoped(agencyId, { _id: id }), this.readOptions(method)) as T | null
  }

  async findByIds (agencyId: ObjectId, ids: ObjectId[], method = 'findByIds'): Promise<T[]> {
    if (ids.length === 0) return []
    return await this.collection.find(this.scoped(agencyId, { _id: { $in: ids } }), this.readOptions(method)).toArray() as T[]
  }

  /**
   * Inserts a new document; when one with its id is there already (an idempotent
   * create resumed after a failure, or its concurrent duplicate), answers that one.
   */
  async insertOnce (doc: T, method: string): Promise<T> {
    try {
      await this.collection.insertOne(doc as OptionalUnlessRequiredId<T>, this.writeOptions(method))
      return doc
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      const stored = await this.findById(doc.agencyId, doc._id, method)
      if (stored === null) throw err
      return stored
    }
  }

  /**
   * Bulk import: inserts each document unless one with the same natural key
   * (the filter, which holds the agency) exists; one unordered bulkWrite, so a
   * refused row never stops the others. Two rows with the same key race into
   * the unique index: the loser is 'existing', as it would be a moment later.
   */
  async insertMissing (agencyId: ObjectId, rows: Array<{ key: Record<string, unknown>, doc: T }>, method: string): Promise<ImportOutcome[]> {
    if (rows.length === 0) return []
    const operations = rows.map(({ key, doc }) => {
      const onInsert = Object.fromEntries(Object.entries(doc).filter(([field]) => !(field in key) && field !== 'agencyId'))
      return { updateOne: { filter: this.scoped(agencyId, key), update: { $setOnInsert: onInsert }, upsert: true } }
    })
    let upserted: Record<number, unknown>
    let errors: Array<{ index: number, code?: number, errmsg?: string }> = []
    try {
      const result = await this.collection.bulkWrite(operations as never, { ordered: false, ...this.writeOptions(method) })
      upserted = result.upsertedIds
    } catch (err) {
      const bulk = err as { writeErrors?: unknown, result?: { upsertedIds?: Record<number, unknown> } }
      if (bulk.writeErrors === undefined || bulk.result === undefined) throw err
      upserted = bulk.result.upsertedIds ?? {}
      errors = ([] as Array<{ index: number, code?: number, errmsg?: string }>).concat(bulk.writeErrors as never)
    }
    const failed = new Map(errors.map((e) => [e.index, e]))
    return rows.map((_row, index): ImportOutcome => {
      const error = failed.get(index)
      if (error !== undefined) return error.code === DUPLICATE_KEY ? 'existing' : { error: error.errmsg ?? 'the database refused the row' }
      return index in upserted ? 'created' : 'existing'
    })
  }

  /** Updates one item of the agency and returns it as it is after the update, or null if absent. */
  async updateById (agencyId: ObjectId, id: ObjectId, update: UpdateFilter<T>, method = 'updateById', guard: Record<string, unknown> = {}): Promise<T | null> {
    const withTimestamp = { ...update, $set: { ...(update.$set ?? {}), updatedAt: new Date() } } as UpdateFilter<T>
    return await this.collection.findOneAndUpdate(this.scoped(agencyId, { ...guard, _id: id }), withTimestamp, {
      ...this.readOptions(method),
      returnDocument: 'after'
    }) as T | null
  }

  /** How many of the agency's items match. */
  async count (agencyId: ObjectId, filter: Record<string, unknown>, method: string): Promise<number> {
    const { maxTimeMS, comment } = this.readOptions(method)
    return await this.collection.countDocuments(this.scoped(agencyId, filter), { maxTimeMS, comment })
  }

  /** How many of the agency's matching items hold each value of an expression (e.g. '$status'). */
  async countBy (agencyId: ObjectId, filter: Record<string, unknown>, groupBy: unknown, method: string): Promise<Map<string | null, number>> {
    const { maxTimeMS, comment } = this.readOptions(method)
    const groups = await this.collection.aggregate<{ _id: string | null, n: number }>([
      { $match: this.scoped(agencyId, filter) },
      { $group: { _id: groupBy, n: { $sum: 1 } } }
    ], { maxTimeMS, comment }).toArray()
    return new Map(groups.map((group) => [group._id, group.n]))
  }

  /**
   * The filter and order of a list query, checked against the declared indexes
   * (400 UNSUPPORTED_QUERY when none serves it). `updatedSince` turns the list
   * into a change feed: oldest change first, every item (archived included).
   */
  listPlan (agencyId: ObjectId, query: StreamQuery & { cursor?: string | undefined }): { filter: Filter<T>, order: Record<string, 1 | -1>, sort: Sort } {
    const sort: Sort = query.updatedSince === undefined ? query.sort : { field: 'updatedAt', direction: 1 }
    const equals = query.updatedSince === undefined
      ? Object.fromEntries(Object.entries(query.equals ?? {}).filter(([, value]) => value !== undefined))
      : {}
    const filter: Record<string, unknown> = { ...equals, agencyId }
    if (query.updatedSince !== undefined) filter.updatedAt = { $gt: query.updatedSince }
    if (query.range !== undefined) {
      const bounds: Record<string, Date> = {}
      if (query.range.from !== undefined) bounds.$gte = query.range.from
      if (query.range.to !== undefined) bounds.$lt = query.range.to
      if (Object.keys(bounds).length > 0) filter[query.range.field] = bounds
    }
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor, sort)
      filter.$and = [afterCursor(sort, after.value, after.id)]
    }
    const order = { [sort.field]: sort.direction, _id: sort.direction }
    if (!this.unindexedListsAllowed && servedBy(this.indexes, planOf(filter, order)) === undefined) {
      const by = [...Object.keys(equals), ...(query.range === undefined ? [] : [`a range of ${query.range.field}`])]
      throw codedError(400, 'UNSUPPORTED_QUERY', `No index supports filtering ${this.name} by ${by.join(', ') || 'nothing'} sorted by ${sort.field}; see the API reference for the supported combinations`)
    }
    return { filter: filter as Filter<T>, order, sort }
  }

  /** One page in the requested order, by keyset. */
  async list (agencyId: ObjectId, query: ListQuery, method = 'list'): Promise<Page<T>> {
    const { filter, order, sort } = this.listPlan(agencyId, query)
    const items = await this.collection.find(filter, this.readOptions(method))
      .sort(order)
      .limit(query.limit + 1)
      .toArray() as T[]
    const hasMore = items.length > query.limit
    if (hasMore) items.pop()
    const last = items.at(-1)
    return {
      items,
      nextCursor: hasMore && last !== undefined ? encodeCursor(sort, last[sort.field] as string | number | Date, last._id) : null
    }
  }

  /**
   * Every item of a list, in the list's order, through one cursor (an export):
   * the same filter, order and index check as list(), without pages.
   */
  stream (agencyId: ObjectId, query: StreamQuery, options: StreamOptions, method = 'stream'): FindCursor<T> {
    const { filter, order } = this.listPlan(agencyId, query)
    return this.collection.find(filter, { ...this.readOptions(method), ...options }).sort(order) as FindCursor<T>
  }

  /** The same cursor with each document as its BSON bytes (an export reads only the fields it writes). */
  streamBytes (agencyId: ObjectId, query: StreamQuery, options: StreamOptions, method = 'stream'): FindCursor<Buffer> {
    const { filter, order } = this.listPlan(agencyId, query)
    return this.collection.find(filter, { ...this.readOptions(method), ...options, raw: true }).sort(order) as unknown as FindCursor<Buffer>
  }

  /** How many items a list holds in all (an export's total). */
  async countList (agencyId: ObjectId, query: StreamQuery, options: Pick<StreamOptions, 'readPreference' | 'maxTimeMS'>, method = 'countList'): Promise<number> {
    const { filter } = this.listPlan(agencyId, query)
    return await this.collection.countDocuments(filter, { ...options, comment: `repo:${this.name}.${method}` })
  }
}
