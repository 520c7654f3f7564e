// Exports: a resource's rows (the list routes' rows for the same filters, or a
// report) streamed from one MongoDB cursor through a CSV or XLSX writer into a
// GridFS file. `prepare` checks a request completely before anything is queued
// (filters, columns, and that an index serves the query); `run` is the work of
// the run-export task.
import fp from 'fastify-plugin'
import { ObjectId } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { promClient } from '../../external/metrics.ts'
import { codedError } from '../error-handler.ts'
import type { Check } from '../validation.ts'
import type { StreamOptions } from '../repositories/agency-collection.ts'
import { EXPORT_FILTERS, LIST_RESOURCES, type EXPORT_FORMATS, type EXPORT_RESOURCES } from '../../../schemas/export.ts'
import type { JobControl, Outcome } from '../job-store/tracked-task.ts'
import type { JobRecord } from '../job-store/records.ts'
import { layout, type Column, type Layout } from './columns.ts'
import { instant, LIST_EXPORTS, type Filters, type ListResource } from './resources.ts'
import { ARREARS_COLUMNS, RENT_ROLL_COLUMNS, arrears, rentRoll } from './reports.ts'
import { listSource, type RowSource } from './source.ts'
import { CONTENT_TYPES, writeCsv, writeXlsx } from './writers.ts'

export type ExportResource = typeof EXPORT_RESOURCES[number]
export type ExportFormat = typeof EXPORT_FORMATS[number]

export interface ExportParams extends Record<string, unknown> {
  resource: ExportResource
  format: ExportFormat
  filters: Filters
  columns?: string[]
}

export interface ExportRequest { resource: ExportResource, format: ExportFormat, filters?: Record<string, unknown>, columns?: string[] }

declare module 'fastify' {
  interface FastifyInstance {
    exportService: {
      /** The job's parameters, fully checked (400 on anything wrong); nothing is queued yet. */
      prepare: (agencyId: ObjectId, request: ExportRequest) => ExportParams
      run: (job: JobRecord, control: JobControl) => Promise<Outcome>
    }
  }
}

type AnyColumns = Column<never>[]

function columnsOf (resource: ExportResource): AnyColumns {
  if (resource === 'rent-roll') return RENT_ROLL_COLUMNS as AnyColumns
  if (resource === 'arrears') return ARREARS_COLUMNS as AnyColumns
  return LIST_EXPORTS[resource].columns as AnyColumns
}

const isList = (resource: ExportResource): resource is ListResource => (LIST_RESOURCES as readonly string[]).includes(resource)

function fileName (params: ExportParams, at: Date): string {
  const stamp = at.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')
  return `${params.resource}-${stamp}.${params.format}`
}

export default fp(async function exportService (fastify) {
  const config = fastify.config
  const checks = new Map<ExportResource, Check>(Object.entries(EXPORT_FILTERS).map(([resource, schema]) => [resource as ExportResource, fastify.validation.compile(schema)]))
  const exported = new promClient.Counter({
    name: 'haven_export_rows_total',
    help: 'Rows written by exports, by resource and format (rate() gives rows per second)',
    labelNames: ['resource', 'format'] as const,
    registers: [fastify.metricsRegistry]
  })
  const streamOptions: StreamOptions = { readPreference: config.EXPORT_READ_PREFERENCE, batchSize: config.EXPORT_BATCH_SIZE, maxTimeMS: config.EXPORT_QUERY_TIMEOUT_MS }

  function prepare (agencyId: ObjectId, request: ExportRequest): ExportParams {
    const filters: Filters = { ...request.filters }
    // A range without a sort is sorted by its field, so that an index serves both.
    const range = filters.dateRange as Filters['dateRange'] | undefined
    if (range !== undefined && filters.sort === undefined && typeof range === 'object' && range !== null) filters.sort = range.field
    const issues = checks.get(request.resource)!(filters)
    if (issues.length > 0) throw fastify.validation.error('body/filters', issues)
    if (filters.dateRange?.from !== undefined && filters.dateRange.to !== undefined && instant(filters.dateRange.from) >= instant(filters.dateRange.to)) {
      throw codedError(400, 'VALIDATION_ERROR', 'filters.dateRange.from must be before filters.dateRange.to')
    }
    const known = new Set(columnsOf(request.resource).map((column) => column.name))
    const unknown = (request.columns ?? []).filter((name) => !known.has(name))
    if (unknown.length > 0) throw codedError(400, 'UNKNOWN_COLUMN', `No column ${unknown.join(', ')} in ${request.resource}; its columns are ${[...known].join(', ')}`)
    if (isList(request.resource)) {
      // The list's own index check (400 UNSUPPORTED_QUERY), before anything is queued.
      const resource = LIST_EXPORTS[request.resource]
      resource.collection(fastify.repos).listPlan(agencyId, resource.query(filters))
    }
    return { resource: request.resource, format: request.format, filters, ...(request.columns !== undefined ? { columns: request.columns } : {}) }
  }

  function sourceOf (app: FastifyInstance, params: ExportParams, agencyId: ObjectId, asOf: Date, rows: Layout<never>): RowSource {
    const { resource, filters } = params
    if (resource === 'rent-roll') return rentRoll(app, agencyId, filters as never, streamOptions, asOf, rows.cells as never)
    if (resource === 'arrears') return arrears(app, agencyId, filters as never, streamOptions, asOf, rows.cells as never)
    return listSource(app, LIST_EXPORTS[resource], agencyId, filters, streamOptions, rows as Layout<Record<string, unknown>>)
  }

  async function run (job: JobRecord, control: JobControl): Promise<Outcome> {
    const params = job.params as ExportParams
    const agencyId = new ObjectId(job.agencyId)
    const agency = await fastify.repos.agencies.findById(agencyId)
    if (agency === null) throw codedError(404, 'AGENCY_GONE', 'The agency of this export no longer exists')
    const asOf = new Date()
    const rows = layout(columnsOf(params.resource), params.columns, agency.currency)
    const source = sourceOf(fastify, params, agencyId, asOf, rows)
    const { header } = rows
    const counted = source.total().then((total) => { control.setTotal(total); return total })
    counted.catch(() => undefined) // the total is a courtesy; the rows decide

    const name = fileName(params, asOf)
    const contentType = CONTENT_TYPES[params.format]
    const upload = fastify.jobFiles.upload(name, contentType, { agencyId: job.agencyId, jobId: job.id })
    await control.pendingFile(upload.id.toHexString())

    let written = 0
    const counter = exported.labels({ resource: params.resource, format: params.format })
    async function * cellBatches () {
      for await (const batch of source.batches()) {
        written += batch.rows.length
        counter.inc(batch.rows.length)
        yield batch.rows
        await control.batch(batch.scanned)
      }
    }
    const { sheets } = params.format === 'csv'
      ? await writeCsv(cellBatches(), header, upload)
      : await writeXlsx(cellBatches(), header, upload, config.EXPORT_XLSX_SHEET_ROWS, params.resource)
    const size = upload.gridFSFile?.length ?? 0
    return {
      result: { rows: written, columns: header, ...(sheets === null ? {} : { sheets }), asOf: asOf.toISOString(), total: await counted.catch(() => null) },
      file: { id: upload.id.toHexString(), name, contentType, size }
    }
  }

  fastify.decorate('exportService', { prepare, run })
}, { name: 'exports', dependencies: ['repositories', 'validation', 'job-files', 'metrics'] })
