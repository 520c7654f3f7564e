// ExcelJS passes no backpressure from its zip back to addRow: the XLSX writer
// waits between batches until the zip has taken the sheet (writers.ts). Proven
// by what has reached the file whenever the next batch is asked for: the output
// keeps pace with the rows, whether the file is fast or slow to take them, and
// the workbook reads back whole.
import { test } from 'tap'
import { Writable } from 'node:stream'
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises'
import { writeXlsx } from '../../../plugins/app/exports/writers.ts'
import type { Cell } from '../../../plugins/app/exports/columns.ts'
import ExcelJS from 'exceljs'

const BATCH = 1_000
const ROWS = 60_000
// What may be in flight when a batch is asked for: the zip's input limit (4 MiB of XML,
// about 6,000 of these rows), the batch just added and what the compressor holds.
const SLACK_ROWS = 15_000

const row = (i: number): Cell[] => [
  `6585a2c1f0e1d2c3b4a5${String(i).padStart(4, '0')}`, 'rent', `Rent ${i} of a unit on a long street`, '2025-03-01', 95_000 + (i % 37), '£950.00', i % 3 === 0, '2025-03-01T00:00:00.000Z'
]

async function exportTo (delay: () => Promise<unknown>) {
  const chunks: Buffer[] = []
  let written = 0
  const file = new Writable({
    highWaterMark: 64 * 1024,
    write (chunk: Buffer, _encoding, done) {
      chunks.push(chunk)
      written += chunk.length
      delay().then(() => done(), done)
    }
  })
  const writtenWhenAsked: Array<{ rows: number, written: number }> = []
  async function * batches () {
    for (let start = 0; start < ROWS; start += BATCH) {
      writtenWhenAsked.push({ rows: start, written })
      yield Array.from({ length: BATCH }, (_, k) => row(start + k))
      await yieldToLoop() // as the export does between batches
    }
  }
  const { sheets } = await writeXlsx(batches(), ['id', 'kind', 'description', 'dueDate', 'amount', 'amountFormatted', 'overdue', 'createdAt'], file, 1_000_000, 'charges')
  return { sheets, written, writtenWhenAsked, file: Buffer.concat(chunks) }
}

for (const [name, delay] of [['a fast file', async () => undefined], ['a slow file', async () => await sleep(2)]] as const) {
  test(`XLSX into ${name}: the zip keeps pace with the rows`, async (t) => {
    const { sheets, written, writtenWhenAsked, file } = await exportTo(delay)
    t.equal(sheets, 1)
    const bytesPerRow = written / ROWS
    const behind = writtenWhenAsked
      .filter(({ rows, written }) => written < (rows - SLACK_ROWS) * bytesPerRow)
      .map(({ rows, written }) => `at ${rows} rows only ${written} bytes written (${Math.round(written / bytesPerRow)} rows' worth)`)
    t.same(behind, [], `the file never fell more than ${SLACK_ROWS} rows behind`)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(file as unknown as ArrayBuffer)
    const sheet = workbook.worksheets[0]!
    t.equal(sheet.rowCount, ROWS + 1, 'every row, after the header')
    t.same((sheet.getRow(ROWS + 1).values as Cell[]).slice(1), row(ROWS - 1), 'the last row whole')
  })
}
