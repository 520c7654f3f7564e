// The export's CSV writer against csv-stringify with the options the export used
// before it (header, booleans as words): the same bytes for every kind of cell,
// the awkward ones above all, and for an export of no rows.
import { test } from 'tap'
import { stringify } from 'csv-stringify/sync'
import { csvLine, csvLines } from '../../../plugins/app/exports/csv.ts'
import type { Cell } from '../../../plugins/app/exports/columns.ts'
import { prng } from '../../support/prng.ts'

const csvStringify = (header: string[], rows: Cell[][]) => stringify(rows, { header: true, columns: header, cast: { boolean: (value) => String(value) } })
const ours = (header: string[], rows: Cell[][]) => csvLine(header) + csvLines(rows)

const AWKWARD: Cell[] = [
  '', ' ', 'plain', 'a,b', 'say "hi"', '"', '""', 'line\nbreak', 'carriage\rreturn', 'both\r\n', '\n', ',', ' leading and trailing ',
  "'=1+1", '=1+1', '+1', '-1', '@x', '\tTab', 'ünïcødé ✓ 😀', 'semi;colon', 'back\\slash', 'tab\tinside',
  0, -0, 1, -1, 95_050, 1.5, -2.25, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, true, false, null
]

test('awkward cells: the same bytes as csv-stringify', async (t) => {
  const header = ['a', 'b', 'c']
  for (const cell of AWKWARD) {
    const rows: Cell[][] = [[cell, 'x', cell], [null, cell, null]]
    t.equal(ours(header, rows), csvStringify(header, rows), JSON.stringify(cell))
  }
})

test('an export of no rows is its header', async (t) => {
  t.equal(ours(['id', 'name'], []), csvStringify(['id', 'name'], []))
  t.equal(ours(['id', 'name'], []), 'id,name\n')
})

test('random rows of random cells: the same bytes as csv-stringify', async (t) => {
  const random = prng(10)
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
  const alphabet = ['a', 'Z', '0', ' ', ',', '"', '\n', '\r', ';', '=', '-', 'é', '€', '\t']
  const cell = (): Cell => {
    const kind = random()
    if (kind < 0.5) return Array.from({ length: Math.floor(random() * 8) }, () => pick(alphabet)).join('')
    if (kind < 0.7) return Math.round((random() - 0.5) * 1e7) / (random() < 0.5 ? 1 : 100)
    if (kind < 0.8) return random() < 0.5
    return kind < 0.9 ? null : pick(AWKWARD)
  }
  const header = ['id', 'amount', 'amountFormatted', 'notes', 'overdue', 'allocations']
  const rows = Array.from({ length: 2_000 }, () => header.map(cell))
  t.equal(ours(header, rows), csvStringify(header, rows))
})
