// An uploaded CSV file parsed within bounds, the same way in the API (scan) and in the
// worker (run): a caller's file may hold a line of ten million commas, and csv-parse,
// told to take rows of any length, would build a ten-million-field array for it. So:
//  - the header holds at most the resource's columns (any more would be unknown or repeated);
//  - a row holds at most the header's columns plus SPARE_FIELDS (the empty trailing cells
//    spreadsheets leave behind);
//  - a row holds at most MAX_ROW_CHARS characters (the longest valid row is under 6,000);
//  - a file holds at most IMPORT_MAX_ROWS data rows.
// csv-parse bounds characters (max_record_size) but not fields: the field count is checked
// in its cast hook, which sees each field as it is parsed, before the next joins the row.
import { CsvError, parse, type Parser } from 'csv-parse'
import { codedError } from '../error-handler.ts'

export const SPARE_FIELDS = 5
export const MAX_ROW_CHARS = 16_384

export interface CsvBounds {
  /** columns the resource takes: the widest header */
  columns: number
  /** data rows a file may hold */
  maxRows: number
}

export interface ParsedRow { record: string[], info: { lines: number } }

export function boundedParser (bounds: CsvBounds): Parser {
  let headerWidth = 0
  return parse({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
    max_record_size: MAX_ROW_CHARS,
    cast: (value, context) => {
      if (context.records === 0) {
        if (context.index >= bounds.columns) throw codedError(400, 'TOO_MANY_FIELDS', `The header holds more than ${bounds.columns} columns, all this resource takes`)
        headerWidth = context.index + 1
      } else if (context.index === 0 && context.records > bounds.maxRows) {
        throw codedError(400, 'TOO_MANY_ROWS', `The file holds more than ${bounds.maxRows} rows (line ${context.lines})`)
      } else if (context.index >= headerWidth + SPARE_FIELDS) {
        throw codedError(400, 'TOO_MANY_FIELDS', `Line ${context.lines} holds more than ${headerWidth + SPARE_FIELDS} fields (the header's ${headerWidth} and ${SPARE_FIELDS} spare)`)
      }
      return value
    }
  })
}

/** The parser's rows; a file it cannot take ends them with a 400 and a stable code. */
export async function * rowsOf (parser: Parser): AsyncGenerator<ParsedRow> {
  try {
    for await (const row of parser) yield row as ParsedRow
  } catch (err) {
    if (!(err instanceof CsvError)) throw err
    if (err.code === 'CSV_MAX_RECORD_SIZE') throw codedError(400, 'ROW_TOO_LARGE', `Line ${(err as { lines?: number }).lines} holds more than ${MAX_ROW_CHARS} characters`)
    throw codedError(400, 'INVALID_CSV', `The file is not valid CSV: ${err.message}`)
  }
}
