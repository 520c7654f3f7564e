// Where an export's rows come from: one cursor, read in batches. Between
// batches the export reports progress, checks for cancellation and yields the
// event loop (see job-store/tracked-task.ts).
import { BSON, type ObjectId } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import type { StreamOptions } from '../repositories/agency-collection.ts'
import type { Cell, Layout } from './columns.ts'
import type { ListExport, Filters } from './resources.ts'

export interface RowBatch {
  /** each row's cells */
  rows: Cell[][]
  /** documents read for them (a report may skip some) */
  scanned: number
}

export interface RowSource {
  total: () => Promise<number>
  batches: () => AsyncGenerator<RowBatch>
}

async function take<T> (items: AsyncIterator<T>, size: number): Promise<T[]> {
  const batch: T[] = []
  while (batch.length < size) {
    const next = await items.next()
    if (next.done === true) break
    batch.push(next.value)
  }
  return batch
}

/**
 * Groups what a cursor yields into arrays of up to `size`, reading the next
 * batch while the caller works on this one: the database's time to answer a
 * getMore overlaps the export's own work, and at most one batch waits ahead.
 */
export async function * batchesOf<T> (cursor: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  const items = cursor[Symbol.asyncIterator]()
  let ahead = take(items, size)
  try {
    for (;;) {
      const batch = await ahead
      if (batch.length === 0) return
      ahead = take(items, size)
      yield batch
    }
  } finally {
    // A stopped export (cancelled, failed) closes its cursor on the server.
    ahead.catch(() => undefined)
    await items.return?.()
  }
}

/**
 * A list resource: the rows of its list route, presented the same way. The
 * cursor hands over each document's BSON; its cells come from the bytes, or,
 * where only the presenter can say, from the decoded and presented document.
 */
export function listSource (app: FastifyInstance, resource: ListExport, agencyId: ObjectId, filters: Filters, options: StreamOptions, layout: Layout<Record<string, unknown>>): RowSource {
  const collection = resource.collection(app.repos)
  const query = resource.query(filters)
  const presented = (bson: Buffer) => layout.cells(resource.present(BSON.deserialize(bson) as never))
  const { storedCells } = layout
  const cellsOf = storedCells === undefined ? presented : (bson: Buffer) => storedCells(bson) ?? presented(bson)
  return {
    total: () => collection.countList(agencyId, query, options, 'exportCount'),
    async * batches () {
      for await (const documents of batchesOf(collection.streamBytes(agencyId, query, options, 'export'), options.batchSize)) {
        yield { rows: documents.map(cellsOf), scanned: documents.length }
      }
    }
  }
}
