// Bulk imports of properties, units or tenants from a CSV file. The route stores
// the upload (scan(): the file streams into GridFS while its rows are counted and
// its header checked, within the bounds of bounded-parser.ts, so a bad file
// answers 400 before anything is queued); the run-import task then validates each
// row with the create route's schema, writes the valid ones in batches (one
// unordered bulkWrite each: a bad row never stops the good ones; natural keys make
// a second run a no-op) and keeps a CSV report of the rejected rows with their
// reasons, downloadable as the job's file.
import fp from 'fastify-plugin'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ObjectId } from 'mongodb'
import { stringify } from 'csv-stringify'
import { codedError } from '../error-handler.ts'
import { describeIssue, type Check } from '../validation.ts'
import type { JobControl, Outcome } from '../job-store/tracked-task.ts'
import type { JobRecord } from '../job-store/records.ts'
import { bodyOf, IMPORTS, type Body, type ImportResource } from './resources.ts'
import { CONTENT_TYPES } from '../exports/writers.ts'
import { neutralise } from '../exports/columns.ts'
import { boundedParser, rowsOf, type CsvBounds } from './bounded-parser.ts'

export interface ImportParams extends Record<string, unknown> {
  resource: ImportResource
  uploadId: string
  fileName: string
  /** data rows in the file */
  rows: number
}

/** sha256: the file's digest, which an Idempotency-Key's request covers */
export interface ScannedUpload { uploadId: string, rows: number, header: string[], sha256: string }

declare module 'fastify' {
  interface FastifyInstance {
    importService: {
      /** Stores an uploaded CSV and checks its header and shape; 400 (and nothing kept) when it is not a file this resource takes. */
      scan: (agencyId: ObjectId, resource: ImportResource, fileName: string, file: Readable) => Promise<ScannedUpload>
      run: (job: JobRecord, control: JobControl) => Promise<Outcome>
    }
  }
}

function checkHeader (resource: ImportResource, header: string[] | undefined): string[] {
  if (header === undefined) throw codedError(400, 'EMPTY_FILE', 'The file holds no header row')
  const known = new Set(IMPORTS[resource].columns)
  const unknown = header.filter((column) => !known.has(column))
  if (unknown.length > 0) throw codedError(400, 'UNKNOWN_COLUMN', `The header names unknown column(s) ${unknown.join(', ')}; ${resource} take ${[...known].join(', ')}`)
  if (new Set(header).size !== header.length) throw codedError(400, 'DUPLICATE_COLUMN', 'A column appears twice in the header')
  return header
}

// A batch holds at most EXPORT_BATCH_SIZE rows and about this many characters of cells: what an
// import holds at once does not grow with the width of its rows.
const BATCH_CHARS = 1_048_576

export default fp(async function importService (fastify) {
  const checks = new Map<ImportResource, Check>(Object.entries(IMPORTS).map(([resource, definition]) => [resource as ImportResource, fastify.validation.compile(definition.schema)]))
  const batchSize = fastify.config.EXPORT_BATCH_SIZE
  const bounds = (resource: ImportResource): CsvBounds => ({ columns: IMPORTS[resource].columns.length, maxRows: fastify.config.IMPORT_MAX_ROWS })

  async function scan (agencyId: ObjectId, resource: ImportResource, fileName: string, file: Readable): Promise<ScannedUpload> {
    const upload = fastify.jobFiles.upload(fileName, CONTENT_TYPES.csv, { agencyId: agencyId.toHexString(), jobId: 'upload' })
    const parser = boundedParser(bounds(resource))
    let header: string[] | undefined
    let rows = 0
    const digest = createHash('sha256')
    // A refused header ends the loop, which destroys the parser: the rest of the file is not parsed.
    const counted = (async () => {
      for await (const { record } of rowsOf(parser)) {
        if (header === undefined) header = checkHeader(resource, record)
        else rows++
      }
    })()
    counted.catch(() => undefined)
    // The bytes go to GridFS as they are; a copy goes through the parser beside them.
    const tee = new Transform({
      transform (chunk: Buffer, _encoding, callback) {
        digest.update(chunk)
        // Once the parser has refused the file, the rest is read but neither parsed nor stored.
        if (parser.destroyed) {
          callback()
          return
        }
        if (parser.write(chunk)) {
          callback(null, chunk)
          return
        }
        const resume = () => {
          parser.off('drain', resume).off('close', resume)
          callback(null, chunk)
        }
        parser.once('drain', resume).once('close', resume)
      },
      flush (callback) {
        parser.end()
        counted.then(() => callback(), callback)
      }
    })
    let refusal: unknown
    try {
      await pipeline(file, tee, upload)
      await counted
      if (rows === 0) refusal = codedError(400, 'EMPTY_FILE', 'The file holds a header but no rows')
    } catch (err) {
      refusal = err
    }
    // A file past IMPORT_MAX_BYTES is cut short by the multipart parser, which marks it truncated:
    // that says more than whatever its cut-off end broke.
    if ((file as { truncated?: boolean }).truncated === true) refusal = codedError(413, 'PAYLOAD_TOO_LARGE', `The file is larger than ${fastify.config.IMPORT_MAX_BYTES} bytes`)
    if (refusal !== undefined) {
      await fastify.jobFiles.remove(upload.id.toHexString())
      throw refusal
    }
    return { uploadId: upload.id.toHexString(), rows, header: header!, sha256: digest.digest('hex') }
  }

  async function run (job: JobRecord, control: JobControl): Promise<Outcome> {
    const params = job.params as ImportParams
    const definition = IMPORTS[params.resource]
    const check = checks.get(params.resource)!
    const agencyId = new ObjectId(job.agencyId)
    control.setTotal(params.rows)

    const counts = { rows: 0, created: 0, existing: 0, rejected: 0 }
    const name = `${params.resource}-import-rejected-${job.id}.csv`
    const report = fastify.jobFiles.upload(name, CONTENT_TYPES.csv, { agencyId: job.agencyId, jobId: job.id })
    await control.pendingFile(report.id.toHexString())
    const parser = boundedParser(bounds(params.resource))
    const source = pipeline(fastify.jobFiles.open(params.uploadId), parser)
    source.catch(() => undefined)

    let header: string[] = []
    let reportRows: ReturnType<typeof stringify> | undefined
    let reportDone: Promise<void> | undefined
    const reject = async (line: number, reasons: string[], cells: string[]) => {
      counts.rejected++
      if (reportRows === undefined) {
        reportRows = stringify({ header: true, columns: ['line', 'reasons', ...header] })
        reportDone = pipeline(reportRows, report)
      }
      // The admin opens the report in a spreadsheet: a refused cell must not run there as a formula.
      if (!reportRows.write([line, neutralise(reasons.join('; ')), ...cells.map(neutralise)])) await once(reportRows, 'drain')
    }

    let batch: Array<{ line: number, cells: string[], body: Body }> = []
    let batchChars = 0
    const flush = async () => {
      const valid: typeof batch = []
      const refused: Array<{ line: number, reasons: string[], cells: string[] }> = []
      for (const row of batch) {
        const issues = check(row.body)
        if (issues.length > 0) refused.push({ line: row.line, reasons: issues.map(describeIssue), cells: row.cells })
        else valid.push(row)
      }
      const outcomes = await definition.write(fastify, agencyId, valid.map((row) => row.body))
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome === 'created') counts.created++
        else if (outcome === 'existing') counts.existing++
        else refused.push({ line: valid[index]!.line, reasons: [outcome.error], cells: valid[index]!.cells })
      }
      // The report lists rows in the file's order, whichever check refused them.
      for (const row of refused.sort((x, y) => x.line - y.line)) await reject(row.line, row.reasons, row.cells)
      const done = batch.length
      batch = []
      batchChars = 0
      await control.batch(done)
    }

    let first = true
    for await (const { record: cells, info } of rowsOf(parser)) {
      if (first) {
        header = checkHeader(params.resource, cells)
        first = false
        continue
      }
      counts.rows++
      batch.push({ line: info.lines, cells, body: bodyOf(header, cells) })
      for (const cell of cells) batchChars += cell.length
      if (batch.length >= batchSize || batchChars >= BATCH_CHARS) await flush()
    }
    await source
    if (batch.length > 0) await flush()
    if (counts.created > 0 && definition.widgets.length > 0) await fastify.rollups.afterWrite(agencyId, definition.widgets)

    if (reportRows === undefined) {
      report.end()
      await once(report, 'finish')
      await fastify.jobFiles.remove(report.id.toHexString())
      return { result: { ...counts }, file: null }
    }
    reportRows.end()
    await reportDone
    return { result: { ...counts }, file: { id: report.id.toHexString(), name, contentType: CONTENT_TYPES.csv, size: report.gridFSFile?.length ?? 0 } }
  }

  fastify.decorate('importService', { scan, run })
}, { name: 'imports', dependencies: ['repositories', 'validation', 'job-files', 'rollups'] })
