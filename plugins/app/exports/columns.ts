// Columns of an export: how a presented row (or a stored document's BSON, see
// stored-cells.ts) becomes cells, money as integer minor units plus a formatted
// column, and the neutralisation of cells a spreadsheet would run as a formula
// (OWASP CSV injection).
import { storedReader, type StoredField } from './stored-cells.ts'

export type Cell = string | number | boolean | null

export interface Column<P> {
  name: string
  /** integer minor units; the export adds `<name>Formatted` beside it */
  money?: true
  get: (row: P) => Cell
  /** where the presenter takes this value from in the stored document, and how (list resources) */
  stored?: StoredField
}

/** The columns an export writes, in order, from the resource's and the caller's choice. */
export interface Layout<P> {
  header: string[]
  cells: (row: P) => Cell[]
  /**
   * The same cells from the stored document's BSON, where every column says how
   * (undefined: this document needs the presenter, see stored-cells.ts).
   */
  storedCells?: (bson: Buffer) => Cell[] | undefined
}

// = + - @ start a formula in Excel, LibreOffice and Sheets; tab and CR can hide one.
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r'])

/** A text cell that would start a formula gets a leading apostrophe (OWASP). */
export function neutralise (cell: Cell): Cell {
  return typeof cell === 'string' && FORMULA_START.has(cell.charAt(0)) ? `'${cell}` : cell
}

// Amounts repeat (a lease's rent every month, 0 paid or outstanding): an export
// formats each distinct amount once, from a bounded memo (Intl formatting is a
// tenth of a CSV export's CPU without it).
const FORMATTED_MEMO = 4_096

/** Formats integer minor units in the agency's currency, e.g. 123456 GBP → "£1,234.56". */
export function moneyFormatter (currency: string): (minor: number) => string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency })
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  const memo = new Map<number, string>()
  return (minor) => {
    let text = memo.get(minor)
    if (text === undefined) {
      if (memo.size === FORMATTED_MEMO) memo.clear()
      text = format.format(minor / 10 ** digits)
      memo.set(minor, text)
    }
    return text
  }
}

export const joined = (values: readonly string[]) => values.join(';')

export function columnNames<P> (columns: readonly Column<P>[]): string[] {
  return columns.flatMap((column) => column.money === true ? [column.name, `${column.name}Formatted`] : [column.name])
}

/**
 * The caller's columns (default: all), each money column followed by its
 * formatted twin. Names are checked before anything is queued (see index.ts).
 */
export function layout<P> (columns: readonly Column<P>[], chosen: readonly string[] | undefined, currency: string): Layout<P> {
  const format = moneyFormatter(currency)
  const byName = new Map(columns.map((column) => [column.name, column]))
  const picked = chosen === undefined ? [...columns] : chosen.map((name) => byName.get(name)!)
  const money = picked.map((column) => column.money === true)
  // The columns' values (one per column) become the row's cells.
  const finish = (values: readonly Cell[]): Cell[] => {
    const cells: Cell[] = []
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!
      if (!money[i]) cells.push(neutralise(value))
      else cells.push(value, typeof value === 'number' ? format(value) : null)
    }
    return cells
  }
  const fields = picked.map((column) => column.stored)
  const read = fields.every((field) => field !== undefined) ? storedReader(fields as StoredField[]) : undefined
  return {
    header: columnNames(picked),
    cells: (row) => finish(picked.map((column) => column.get(row))),
    ...(read === undefined
      ? {}
      : {
          storedCells: (bson: Buffer) => {
            const values = read(bson)
            return values === undefined ? undefined : finish(values)
          }
        })
  }
}
