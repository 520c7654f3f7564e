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

/**
 * One sheet per `sheetRows` data rows (Excel holds 1,048,576 rows a sheet), each
 * with the header. ExcelJS's writer zips into a stream it pipes itself; between
 * batches the export waits until that stream has drained into the file, so at
 * most about one batch is buffered when the file is the slower side.
 */
export async function writeXlsx (batches: Batches, header: string[], out: Writable, sheetRows: number, sheetName: string): Promise<{ sheets: number }> {
  const zipped = new PassThrough()
  const stored = pipeline(zipped, out)
  let failure: unknown
  stored.catch((err: unknown) => { failure ??= err })
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: zipped, useStyles: false, useSharedStrings: false })
  let sheets = 0
  const addSheet = () => {
    sheets++
    const sheet = workbook.addWorksheet(sheets === 1 ? sheetName : `${sheetName} ${sheets}`)
    sheet.addRow(header).commit()
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
      if (zipped.writableNeedDrain) await once(zipped, 'drain')
    }
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
