// A list export's cells read straight from each stored document's BSON bytes.
// Decoding a document into objects (ObjectIds, Dates, the record), presenting
// it and reading the presented fields back cost a CSV export most of its CPU;
// here each column's value is taken from the bytes with the presenter's own
// rule for its field (an id as hex, a date as an ISO instant or a calendar day,
// a value as it is stored). Only the types a presenter maps that way take this
// path: any other type, or a field a presenter could not map, makes the reader
// answer undefined and the export decodes and presents that document as the
// list route does. test/plugins/exports/stored-cells.test.ts holds the reader to
// the presenters, field by field, on every type.
import type { Cell } from './columns.ts'

/**
 * How a presenter maps a stored field, by the expression it uses:
 * - `value`: passed through (absent: no value);
 * - `id`: `x.toHexString()`; `id?`: `x?.toHexString() ?? null`; `ids`: `xs.map((x) => x.toHexString())`, `;`-joined;
 * - `instant`: `x.toISOString()`; `instant?`: `x?.toISOString() ?? null`;
 * - `day`: `isoDate(x)`; `day|null`: `x === null ? null : isoDate(x)`;
 * - `allocations`: `xs.map((a) => ({ chargeId: a.chargeId.toHexString(), amount: a.amount }))`, as `chargeId:amount`, `;`-joined.
 */
export type StoredKind = 'value' | 'id' | 'id?' | 'ids' | 'instant' | 'instant?' | 'day' | 'day|null' | 'allocations'

export interface StoredField {
  /** the stored document's field */
  field: string
  /** a field of that embedded document (the presenter passes the document through) */
  sub?: string
  kind: StoredKind
}

// The presenter decides: an unexpected type, or a value its expression would throw on.
const PRESENTER = Symbol('presenter')
type Read = Cell | typeof PRESENTER

// BSON element types (bsonspec.org) whose values the presenters map.
const DOUBLE = 0x01
const STRING = 0x02
const DOCUMENT = 0x03
const ARRAY = 0x04
const OBJECT_ID = 0x07
const BOOLEAN = 0x08
const DATE = 0x09
const NULL = 0x0a
const INT32 = 0x10
const INT64 = 0x12

const TWO_32 = 4_294_967_296
// Within ±2^53 (bson's bound for promoting an int64 to a number), and so also within Date's range.
const SAFE_HIGH = 2 ** 21

/** A length prefix, or -1 where there is none to read. */
function length (b: Buffer, at: number): number {
  return at + 4 <= b.length ? b.readInt32LE(at) : -1
}

/** The size of an element's value at `at`, or -1 for a type BSON does not define (or a bad length). */
function valueSize (b: Buffer, type: number, at: number): number {
  switch (type) {
    case DOUBLE: case DATE: case INT64: case 0x11: return 8
    case STRING: case 0x0d: case 0x0e: return length(b, at) < 1 ? -1 : 4 + length(b, at)
    case DOCUMENT: case ARRAY: case 0x0f: return length(b, at) < 5 ? -1 : length(b, at)
    case 0x05: return length(b, at) < 0 ? -1 : 5 + length(b, at)
    case 0x06: case NULL: case 0xff: case 0x7f: return 0
    case OBJECT_ID: return 12
    case BOOLEAN: return 1
    case 0x0b: {
      let end = b.indexOf(0, at)
      end = b.indexOf(0, end + 1)
      return end < 0 ? -1 : end + 1 - at
    }
    case 0x0c: return length(b, at) < 1 ? -1 : 16 + length(b, at)
    case INT32: return 4
    case 0x13: return 16
    default: return -1
  }
}

/**
 * Calls `visit` with each element of the document starting at `start`; false
 * when the bytes are not a well-formed document (the decoder then says why).
 */
function eachElement (b: Buffer, start: number, visit: (name: string, type: number, at: number) => boolean): boolean {
  const end = start + length(b, start) - 1
  if (end < start + 4 || end >= b.length || b[end] !== 0) return false
  let at = start + 4
  while (at < end) {
    const type = b[at]!
    const nameEnd = b.indexOf(0, at + 1)
    if (nameEnd < 0 || nameEnd >= end) return false
    const name = b.toString('latin1', at + 1, nameEnd)
    const size = valueSize(b, type, nameEnd + 1)
    if (size < 0 || nameEnd + 1 + size > end) return false
    if (!visit(name, type, nameEnd + 1)) return false
    at = nameEnd + 1 + size
  }
  return at === end
}

function text (b: Buffer, at: number): Read {
  const end = at + 4 + b.readInt32LE(at) - 1
  if (b[end] !== 0) return PRESENTER
  const value = b.toString('utf8', at + 4, end)
  // Node replaces bytes that are not UTF-8 where the driver refuses the document: let it.
  return value.includes('\uFFFD') ? PRESENTER : value
}

function int64 (b: Buffer, at: number): number | undefined {
  const high = b.readInt32LE(at + 4)
  return high > -SAFE_HIGH && high < SAFE_HIGH ? high * TWO_32 + b.readUInt32LE(at) : undefined
}

function plain (b: Buffer, type: number, at: number): Read {
  switch (type) {
    case STRING: return text(b, at)
    case INT32: return b.readInt32LE(at)
    case DOUBLE: return b.readDoubleLE(at)
    case INT64: return int64(b, at) ?? PRESENTER
    case BOOLEAN: return b[at] === 1 ? true : b[at] === 0 ? false : PRESENTER
    case NULL: return null
    default: return PRESENTER
  }
}

const DAY_MS = 86_400_000
// Date.prototype.toISOString writes years 0 to 9999 with four digits, others with a sign and six.
const FOUR_DIGIT_YEARS = [Date.parse('0000-01-01T00:00:00.000Z'), Date.parse('+010000-01-01T00:00:00.000Z')] as const
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1_000 }, (_, n) => String(n).padStart(3, '0'))
// Calendar days repeat (due dates, a day's writes): each is written by Date once, from a bounded memo.
const DAYS_MEMO = 4_096
const days = new Map<number, string>()

/** `new Date(ms).toISOString()`, at a fraction of its cost. */
export function isoInstant (ms: number): string {
  if (!(ms >= FOUR_DIGIT_YEARS[0] && ms < FOUR_DIGIT_YEARS[1]) || !Number.isInteger(ms)) return new Date(ms).toISOString()
  const day = Math.floor(ms / DAY_MS)
  let date = days.get(day)
  if (date === undefined) {
    if (days.size === DAYS_MEMO) days.clear()
    date = new Date(day * DAY_MS).toISOString().slice(0, 10)
    days.set(day, date)
  }
  const time = ms - day * DAY_MS
  const seconds = Math.floor(time / 1000)
  return `${date}T${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}.${THREE_DIGITS[time % 1000]}Z`
}

function instant (b: Buffer, type: number, at: number): string | undefined {
  if (type !== DATE) return undefined
  const ms = int64(b, at)
  return ms === undefined ? undefined : isoInstant(ms)
}

const hex = (b: Buffer, at: number) => b.toString('hex', at, at + 12)

/** The array's items in the order of its elements (as the driver builds it: it ignores their keys), or undefined. */
function arrayItems<T> (b: Buffer, at: number, item: (type: number, at: number) => T | undefined): T[] | undefined {
  const items: T[] = []
  const ok = eachElement(b, at, (_key, type, valueAt) => {
    const value = item(type, valueAt)
    if (value === undefined) return false
    items.push(value)
    return true
  })
  return ok ? items : undefined
}

function allocation (b: Buffer, type: number, at: number): string | undefined {
  if (type !== DOCUMENT) return undefined
  let chargeId: string | undefined
  let amount: Read | undefined
  const ok = eachElement(b, at, (name, valueType, valueAt) => {
    if (name === 'chargeId') chargeId = valueType === OBJECT_ID ? hex(b, valueAt) : undefined
    else if (name === 'amount') amount = plain(b, valueType, valueAt)
    return true
  })
  return ok && chargeId !== undefined && typeof amount === 'number' ? `${chargeId}:${amount}` : undefined
}

function read (kind: StoredKind, b: Buffer, type: number, at: number): Read {
  switch (kind) {
    case 'value': return plain(b, type, at)
    case 'id': return type === OBJECT_ID ? hex(b, at) : PRESENTER
    case 'id?': return type === OBJECT_ID ? hex(b, at) : type === NULL ? null : PRESENTER
    case 'ids': return type === ARRAY ? arrayItems(b, at, (t, a) => t === OBJECT_ID ? hex(b, a) : undefined)?.join(';') ?? PRESENTER : PRESENTER
    case 'instant': return instant(b, type, at) ?? PRESENTER
    case 'instant?': return type === NULL ? null : instant(b, type, at) ?? PRESENTER
    case 'day': return instant(b, type, at)?.slice(0, 10) ?? PRESENTER
    case 'day|null': return type === NULL ? null : instant(b, type, at)?.slice(0, 10) ?? PRESENTER
    case 'allocations': return type === ARRAY ? arrayItems(b, at, (t, a) => allocation(b, t, a))?.join(';') ?? PRESENTER : PRESENTER
  }
}

/** A field the document does not hold. */
function absent (kind: StoredKind): Read {
  return kind === 'value' || kind === 'id?' || kind === 'instant?' ? null : PRESENTER
}

/** An embedded document's field (undefined when it does not hold it). */
function subValue (b: Buffer, at: number, sub: string): Read | undefined {
  let value: Read | undefined
  const ok = eachElement(b, at, (name, type, valueAt) => {
    if (name === sub) value = plain(b, type, valueAt)
    return true
  })
  return ok ? value : PRESENTER
}

interface Slot { index: number, kind: StoredKind, sub: string | undefined }

// The wanted fields by a hash of their names' bytes: the reader matches each
// element's name without making a string of it.
interface Wanted { name: Buffer, slots: Slot[], next: Wanted | undefined }

function nameHash (b: Uint8Array, start: number, end: number): number {
  let hash = 0
  for (let i = start; i < end; i++) hash = (hash * 31 + b[i]!) | 0
  return hash
}

function sameBytes (name: Buffer, b: Buffer, start: number, end: number): boolean {
  if (name.length !== end - start) return false
  for (let i = 0; i < name.length; i++) if (name[i] !== b[start + i]) return false
  return true
}

function wantedAt (table: Map<number, Wanted>, b: Buffer, start: number, end: number, hash: number): Wanted | undefined {
  for (let wanted = table.get(hash); wanted !== undefined; wanted = wanted.next) {
    if (sameBytes(wanted.name, b, start, end)) return wanted
  }
  return undefined
}

function slotValue (slot: Slot, b: Buffer, type: number, at: number): Read {
  if (slot.sub === undefined) return read(slot.kind, b, type, at)
  if (type === DOCUMENT) return subValue(b, at, slot.sub) ?? null
  return type === NULL ? null : PRESENTER
}

/**
 * Reads the fields' values from a document's BSON, in the fields' order, or
 * answers undefined where the presenter must decide.
 */
export function storedReader (fields: readonly StoredField[]): (bson: Buffer) => Cell[] | undefined {
  const table = new Map<number, Wanted>()
  fields.forEach(({ field, sub, kind }, index) => {
    const name = Buffer.from(field, 'latin1')
    const hash = nameHash(name, 0, name.length)
    let wanted = table.get(hash)
    while (wanted !== undefined && !wanted.name.equals(name)) wanted = wanted.next
    if (wanted === undefined) table.set(hash, { name, slots: [{ index, kind, sub }], next: table.get(hash) })
    else wanted.slots.push({ index, kind, sub })
  })
  const count = fields.length
  return (b) => {
    const end = length(b, 0) - 1
    if (end < 4 || end >= b.length || b[end] !== 0) return undefined
    const values = new Array<Read | undefined>(count)
    let at = 4
    while (at < end) {
      const type = b[at]!
      let nameEnd = at + 1
      let hash = 0
      for (; nameEnd < end && b[nameEnd] !== 0; nameEnd++) hash = (hash * 31 + b[nameEnd]!) | 0
      const valueAt = nameEnd + 1
      const size = valueSize(b, type, valueAt)
      if (nameEnd === end || size < 0 || valueAt + size > end) return undefined
      const wanted = wantedAt(table, b, at + 1, nameEnd, hash)
      if (wanted !== undefined) {
        for (const slot of wanted.slots) {
          const value = slotValue(slot, b, type, valueAt)
          if (value === PRESENTER) return undefined
          values[slot.index] = value
        }
      }
      at = valueAt + size
    }
    if (at !== end) return undefined
    for (let i = 0; i < count; i++) {
      if (values[i] !== undefined) continue
      const value = absent(fields[i]!.kind)
      if (value === PRESENTER) return undefined
      values[i] = value
    }
    return values as Cell[]
  }
}
