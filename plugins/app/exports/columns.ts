// Columns of an export: how a presented row becomes cells, money as integer
// minor units plus a formatted column, and the neutralisation of cells a
// spreadsheet would run as a formula (OWASP CSV injection).
export type Cell = string | number | boolean | null

export interface Column<P> {
  name: string
  /** integer minor units; the export adds `<name>Formatted` beside it */
  money?: true
  get: (row: P) => Cell
}

/** The columns an export writes, in order, from the resource's and the caller's choice. */
export interface Layout<P> {
  header: string[]
  cells: (row: P) => Cell[]
}

// = + - @ start a formula in Excel, LibreOffice and Sheets; tab and CR can hide one.
const FORMULA_START = /^[=+\-@\t\r]/

/** A text cell that would start a formula gets a leading apostrophe (OWASP). */
export function neutralise (cell: Cell): Cell {
  return typeof cell === 'string' && FORMULA_START.test(cell) ? `'${cell}` : cell
}

/** Formats integer minor units in the agency's currency, e.g. 123456 GBP → "£1,234.56". */
export function moneyFormatter (currency: string): (minor: number) => string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency })
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  return (minor) => format.format(minor / 10 ** digits)
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
  const getters = picked.flatMap((column): Array<(row: P) => Cell> => {
    if (column.money !== true) return [(row) => neutralise(column.get(row))]
    return [
      (row) => column.get(row),
      (row) => {
        const minor = column.get(row)
        return typeof minor === 'number' ? format(minor) : null
      }
    ]
  })
  return { header: columnNames(picked), cells: (row) => getters.map((get) => get(row)) }
}
