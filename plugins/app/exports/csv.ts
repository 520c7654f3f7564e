// CSV text of an export, a batch of rows at a time. csv-stringify transforms one
// record per stream write, which cost the export more CPU than everything else
// it does for a row (a stream step, a cast and a quoting check per cell through
// its options): a batch becomes one string here, written to the file as one
// chunk. The output is csv-stringify's with the options the export used before
// (RFC 4180 quoting, '\n' after every record, booleans as words), byte for byte:
// test/plugins/exports/csv.test.ts compares the two on awkward cells.
import type { Cell } from './columns.ts'

// A field holding a quote, the delimiter or a line break is quoted, its quotes doubled.
const NEEDS_QUOTES = /[",\n\r]/

export function csvField (cell: Cell): string {
  if (cell === null) return ''
  if (typeof cell !== 'string') return String(cell)
  return NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell
}

export function csvLine (cells: readonly Cell[]): string {
  let line = cells.length === 0 ? '' : csvField(cells[0]!)
  for (let i = 1; i < cells.length; i++) line += `,${csvField(cells[i]!)}`
  return `${line}\n`
}

/** The lines of a batch of rows, as one string. */
export function csvLines (rows: readonly (readonly Cell[])[]): string {
  let text = ''
  for (const cells of rows) text += csvLine(cells)
  return text
}
