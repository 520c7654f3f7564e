// Where an export's rows come from: one cursor, read in batches. Between
// batches the export reports progress, checks for cancellation and yields the
// event loop (see job-store/tracked-task.ts).
import type { ObjectId } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import type { StreamOptions } from '../repositories/agency-collection.ts'
import type { ListExport, Filters } from './resources.ts'

export interface RowBatch<P> {
  rows: P[]
  /** documents read for them (a report may skip some) */
  scanned: number
}

export interface RowSource<P> {
  total: () => Promise<number>
  batches: () => AsyncGenerator<RowBatch<P>>
}

/** Groups what a cursor yields into arrays of up to `size` (the driver fetches as many per round trip). */
export async function * batchesOf<T> (cursor: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = []
  for await (const item of cursor) {
    batch.push(item)
    if (batch.length >= size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

/** A list resource: the rows of its list route, presented the same way. */
export function listSource (app: FastifyInstance, resource: ListExport, agencyId: ObjectId, filters: Filters, options: StreamOptions): RowSource<Record<string, unknown>> {
  const collection = resource.collection(app.repos)
  const query = resource.query(filters)
  return {
    total: () => collection.countList(agencyId, query, options, 'exportCount'),
    async * batches () {
      for await (const records of batchesOf(collection.stream(agencyId, query, options, 'export'), options.batchSize)) {
        yield { rows: records.map(resource.present), scanned: records.length }
      }
    }
  }
}
