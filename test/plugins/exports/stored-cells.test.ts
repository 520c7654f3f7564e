// The cells a list export reads from a stored document's BSON (stored-cells.ts)
// are the cells of that document decoded and presented, as the list routes do:
// for every list resource, every field of a typical record is replaced in turn
// by a value of every BSON type (and left out); whenever the reader answers, its
// cells equal the presenter's; where it cannot (a type the presenter would
// stringify, or a value it would throw on), it says so and the export presents.
import { test } from 'tap'
import { isDeepStrictEqual } from 'node:util'
import { Binary, BSON, Decimal128, Int32, Long, ObjectId, BSONRegExp, Timestamp } from 'mongodb'
import { LIST_EXPORTS, type ListResource } from '../../../plugins/app/exports/resources.ts'
import { layout, type Cell } from '../../../plugins/app/exports/columns.ts'
import { isoInstant } from '../../../plugins/app/exports/stored-cells.ts'
import { prng } from '../../support/prng.ts'

type Doc = Record<string, unknown>

const at = new Date('2025-03-04T05:06:07.089Z')
const day = new Date('2025-03-01T00:00:00.000Z')
const oid = () => new ObjectId()
const stamps = () => ({ _id: oid(), agencyId: oid(), createdAt: at, updatedAt: new Date(at.getTime() + 1) })

const TYPICAL: Record<ListResource, () => Doc> = {
  properties: () => ({ ...stamps(), name: 'Elm Court', kind: 'residential', address: { line1: '1 Elm St', line2: 'Flat 2', city: 'Leeds', region: 'West', postalCode: 'LS1 1AA', country: 'GB' }, notes: 'n', archived: false, archivedAt: null }),
  units: () => ({ ...stamps(), propertyId: oid(), label: 'A-1', bedrooms: 2, bathrooms: 1.5, areaSqm: 61.5, marketRent: 95_050, status: 'occupied', archived: true, archivedAt: at }),
  tenants: () => ({ ...stamps(), firstName: 'Ada', lastName: 'Okafor', email: 'ada@example.test', phone: '+44 1', dateOfBirth: '1990-01-02', notes: '=1+1', archived: false, archivedAt: null }),
  leases: () => ({ ...stamps(), unitId: oid(), propertyId: oid(), tenantIds: [oid(), oid()], startDate: day, endDate: null, rent: 120_000, deposit: 0, dueDay: 1, status: 'active', nextRentDueDate: day, activatedAt: at, endedAt: null, endReason: null, activeUnitId: oid() }),
  charges: () => ({ ...stamps(), leaseId: oid(), propertyId: oid(), unitId: oid(), kind: 'rent', period: '2025-03', description: 'Rent, March', dueDate: day, amount: 120_000, paid: 50_000, outstanding: 70_000, status: 'open', overdue: true, voidedAt: null, ledgerVersion: 3 }),
  payments: () => ({ ...stamps(), leaseId: oid(), propertyId: oid(), unitId: oid(), amount: 50_000, receivedAt: at, method: 'card', reference: '+ref', status: 'settled', applied: 40_000, allocations: [{ chargeId: oid(), amount: 40_000 }, { chargeId: oid(), amount: 1 }], reversedAt: null, reversalReason: null, ledgerVersion: 4 }),
  'maintenance-requests': () => ({ ...stamps(), propertyId: oid(), unitId: null, tenantId: oid(), title: 'Leak', description: '-drip', priority: 'urgent', priorityRank: 0, status: 'open', assigneeId: null, reportedAt: at, resolvedAt: day, archived: false, archivedAt: null })
}

const ABSENT = Symbol('absent')
const VALUES: unknown[] = [
  ABSENT, null, oid(), at, day, new Date(-62_198_755_200_000), new Date(253_402_300_800_000), new Date(-1), 'text', '', '=SUM(1)', 'ünï, "q"\n',
  7, -0, 4.5, new Int32(3), Long.fromNumber(2 ** 40), Long.fromNumber(-(2 ** 40)), Long.fromString('9007199254740993'), true, false,
  [oid(), oid()], [], ['a', 'b'], [{ chargeId: oid(), amount: 5 }], [{ chargeId: 'x', amount: 5 }], [{ chargeId: oid(), amount: '5' }], [{ chargeId: oid() }],
  { line1: 'x', city: null }, {}, new Decimal128('1.5'), new Binary(Buffer.from('x')), new BSONRegExp('a', 'i'), new Timestamp({ t: 1, i: 1 })
]

function withValue (doc: Doc, field: string, value: unknown): Doc {
  const copy = { ...doc }
  if (value === ABSENT) delete copy[field]
  else copy[field] = value
  return copy
}

/** The cells as the list route's presenter gives them, or 'throws'. */
function presented (resource: ListResource, bson: Buffer, cells: (row: Record<string, unknown>) => Cell[]): Cell[] | 'throws' {
  try {
    return cells(LIST_EXPORTS[resource].present(BSON.deserialize(bson) as never))
  } catch {
    return 'throws'
  }
}

for (const resource of Object.keys(LIST_EXPORTS) as ListResource[]) {
  test(`${resource}: the stored document's cells are the presenter's`, async (t) => {
    const columns = LIST_EXPORTS[resource].columns
    const rows = layout(columns, undefined, 'GBP')
    t.ok(rows.storedCells, 'every column says how to read it from the stored document')
    const typical = TYPICAL[resource]()
    const typicalBson = Buffer.from(BSON.serialize(typical))
    t.same(rows.storedCells!(typicalBson), presented(resource, typicalBson, rows.cells), 'a typical record is read from its bytes')
    t.notOk(rows.storedCells!(typicalBson)!.includes(undefined as never))

    const fields = [...new Set(columns.map((column) => column.stored!.field))]
    let read = 0
    let deferred = 0
    const mismatches: string[] = []
    const check = (doc: Doc, what: string) => {
      const bson = Buffer.from(BSON.serialize(doc))
      const fast = rows.storedCells!(bson)
      if (fast === undefined) { deferred++; return }
      read++
      const expected = presented(resource, bson, rows.cells)
      if (!isDeepStrictEqual(fast, expected)) mismatches.push(`${what}: ${JSON.stringify(fast)} ≠ ${JSON.stringify(expected)}`)
    }
    for (const field of fields) {
      for (const value of VALUES) check(withValue(typical, field, value), `${field} = ${String(value)}`)
    }
    if (resource === 'properties') {
      for (const sub of ['line1', 'line2', 'region']) {
        for (const value of VALUES) check(withValue(typical, 'address', withValue(typical.address as Doc, sub, value)), `address.${sub} = ${String(value)}`)
      }
    }
    if (resource === 'payments') {
      for (const part of ['chargeId', 'amount']) {
        for (const value of VALUES) check(withValue(typical, 'allocations', [withValue({ chargeId: oid(), amount: 3 }, part, value)]), `allocations[0].${part} = ${String(value)}`)
      }
    }
    t.same(mismatches, [], 'no value is read otherwise than the presenter presents it')
    t.ok(read > fields.length && deferred > 0, `read ${read} variants from their bytes, left ${deferred} to the presenter`)
  })
}

test('arrays in element order, what only the presenter can say left to it', async (t) => {
  const rows = layout(LIST_EXPORTS.leases.columns, undefined, 'GBP')
  // An array whose keys are out of order: the driver takes its items in element order.
  const lease = TYPICAL.leases()
  const [first, second] = lease.tenantIds as ObjectId[]
  const bson = Buffer.from(BSON.serialize({ ...lease, tenantIds: { a: second, b: first } }))
  const tenantIdsAt = bson.indexOf(Buffer.from('tenantIds\0', 'latin1')) - 1
  // The embedded document becomes an array of the same bytes, with the keys 1 and 0.
  bson[tenantIdsAt] = 0x04
  bson[bson.indexOf(Buffer.from([0x07, 0x61, 0x00]), tenantIdsAt) + 1] = 0x31
  bson[bson.indexOf(Buffer.from([0x07, 0x62, 0x00]), tenantIdsAt) + 1] = 0x30
  t.same(rows.storedCells!(bson), presented('leases', bson, rows.cells), 'an array with its keys out of order')
  t.equal(rows.storedCells!(bson)![3], `${String(second)};${String(first)}`, 'in element order')

  // Bytes that are not UTF-8: the driver refuses the document, so the export fails as before.
  const tenants = layout(LIST_EXPORTS.tenants.columns, undefined, 'GBP')
  const tenant = Buffer.from(BSON.serialize({ ...TYPICAL.tenants(), lastName: 'Okafor' }))
  tenant[tenant.indexOf(Buffer.from('Okafor')) + 1] = 0xff
  t.equal(tenants.storedCells!(tenant), undefined)
  t.equal(presented('tenants', tenant, tenants.cells), 'throws')

  // A truncated document is not read (the decoder says what is wrong with it).
  t.equal(rows.storedCells!(Buffer.from(BSON.serialize(lease)).subarray(0, 40)), undefined)
})

test('isoInstant is Date.prototype.toISOString', async (t) => {
  const random = prng(7)
  const edges = [0, -1, 1, 86_399_999, 86_400_000, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15, Date.parse('2024-02-29T23:59:59.999Z')]
  const samples = [...edges, ...Array.from({ length: 20_000 }, () => Math.round((random() - 0.3) * 2e13))]
  const wrong = samples.filter((ms) => isoInstant(ms) !== new Date(ms).toISOString())
  t.same(wrong, [])
  t.throws(() => isoInstant(8.64e15 + 1), RangeError, 'an invalid date throws as toISOString does')
})
