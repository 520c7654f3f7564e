// Writes batches of cells as CSV (csv.ts, one chunk per batch) or XLSX (ExcelJS's
// streaming workbook writer) into a writable stream (a GridFS upload), with
// stream.pipeline from the source generator to the file, so backpressure reaches
// the cursor: the next batch is read only once the file has taken the last one.
import { once } from 'node:events'
import { PassThrough, Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import ExcelJS from 'exceljs'
import type { Cell } from './columns.ts'
import { csvLine, csvLines } from './csv.ts'

export const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
} as const

export type Batches = AsyncIterable<Cell[][]>

async function * csvChunks (batches: Batches, header: string[]): AsyncGenerator<Buffer> {
  yield Buffer.from(csvLine(header))
  for await (const batch of batches) yield Buffer.from(csvLines(batch))
}

export async function writeCsv (batches: Batches, header: string[], out: Writable): Promise<{ sheets: null }> {
  await pipeline(Readable.from(csvChunks(batches, header), { objectMode: false }), out)
  return { sheets: null }
}

// ExcelJS (4.4.0, pinned) writes each sheet into a buffer stream of its own that it
// pipes, without backpressure, into archiver's input: rows added faster than the zip
// takes them (its CRC and stream steps share the event loop with the rows) pile up
// there, hundreds of MB for a large export. Between batches the export waits until
// that input holds at most ZIP_INPUT_LIMIT bytes.
const ZIP_INPUT_LIMIT = 4 * 2 ** 20

interface ZipInput { _writableState: { length: number }, once: (event: 'drain', listener: () => void) => unknown }

function zipInputOf (sheet: ExcelJS.Worksheet): ZipInput {
  const input = (sheet as unknown as { stream?: { pipes?: unknown[] } }).stream?.pipes?.[0] as ZipInput | undefined
  // An ExcelJS release that writes sheets another way needs this wait rethought: fail loudly.
  if (typeof input?._writableState?.length !== 'number') throw new Error('ExcelJS no longer pipes a sheet into its zip as 4.4 does; see writers.ts')
  return input
}

/**
 * One sheet per `sheetRows` data rows (Excel holds 1,048,576 rows a sheet), each
 * with the header. Between batches the export waits until the zip has taken all
 * but ZIP_INPUT_LIMIT bytes of the sheet, and until the zip's output has drained
 * into the file: what is buffered stays about one batch, whichever side is slower.
 */
export async function writeXlsx (batches: Batches, header: string[], out: Writable, sheetRows: number, sheetName: string): Promise<{ sheets: number }> {
  const zipped = new PassThrough()
  const stored = pipeline(zipped, out)
  let failure: unknown
  stored.catch((err: unknown) => { failure ??= err })
  // A wait ends early when the file fails (the loop then throws its error).
  const until = (event: Promise<unknown>) => Promise.race([event, stored])
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: zipped, useStyles: false, useSharedStrings: false })
  let sheets = 0
  let input: ZipInput
  const addSheet = () => {
    sheets++
    const sheet = workbook.addWorksheet(sheets === 1 ? sheetName : `${sheetName} ${sheets}`)
    sheet.addRow(header).commit()
    input = zipInputOf(sheet)
    return sheet
  }
  try {
    let sheet = addSheet()
    let rowsInSheet = 0
    for await (const batch of batches) {
      if (failure !== undefined) throw failure
      for (const cells of batch) {
        if (rowsInSheet === sheetRows) {
          sheet.commit()
          sheet = addSheet()
          rowsInSheet = 0
        }
        sheet.addRow(cells).commit()
        rowsInSheet++
      }
      while (input!._writableState.length > ZIP_INPUT_LIMIT && failure === undefined) {
        await until(new Promise<void>((resolve) => input.once('drain', resolve)))
      }
      if (zipped.writableNeedDrain) await until(once(zipped, 'drain'))
    }
    if (failure !== undefined) throw failure
    sheet.commit()
    await workbook.commit()
  } catch (err) {
    zipped.destroy(err as Error)
    await stored.catch(() => undefined)
    throw err
  }
  await stored
  return { sheets }
}
