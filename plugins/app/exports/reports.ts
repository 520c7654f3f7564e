// The two reports agencies ask for, each streamed from one cursor with, per
// batch, key lookups for what its rows join (properties, leases, tenants,
// ledgers by _id or a unique key: lookups, never scans):
//  - rent roll: one row per current unit (by label): its property, its active
//    lease and tenants, the rent, and what the lease owes or holds as credit;
//  - arrears: one row per lease that owes money, with the aging of what it owes
//    (the same figures as GET /v1/leases/:id/balance), streamed from the ledgers.
import type { ObjectId } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import type { StreamOptions } from '../repositories/agency-collection.ts'
import { parseSort } from '../repositories/cursor.ts'
import { isoDate } from '../repositories/calendar.ts'
import { balanceOf } from '../ledger/read-models.ts'
import type { TenantRecord } from '../repositories/tenants.ts'
import { unitEquals } from '../repositories/list-filters.ts'
import type { Cell, Column } from './columns.ts'
import { idsOf } from './resources.ts'
import { batchesOf, type RowSource } from './source.ts'

type Row = Record<string, string | number | null>

const text = (name: string): Column<Row> => ({ name, get: (row) => row[name] ?? null })
const money = (name: string): Column<Row> => ({ name, money: true, get: (row) => row[name] ?? null })

function byId<T extends { _id: ObjectId }> (records: readonly T[]): Map<string, T> {
  return new Map(records.map((record) => [record._id.toHexString(), record]))
}

function tenantNames (ids: readonly ObjectId[], tenants: Map<string, TenantRecord>): string {
  return ids.map((id) => tenants.get(id.toHexString())).filter((t) => t !== undefined).map((t) => `${t.firstName} ${t.lastName}`).join('; ')
}

export const RENT_ROLL_COLUMNS: Column<Row>[] = [
  text('propertyId'), text('propertyName'), text('unitId'), text('unitLabel'), text('unitStatus'), money('marketRent'),
  text('leaseId'), text('tenants'), text('leaseStartDate'), text('leaseEndDate'), money('rent'), text('dueDay'), money('balance'), money('credit')
]

export const ARREARS_COLUMNS: Column<Row>[] = [
  text('leaseId'), text('leaseStatus'), text('propertyId'), text('propertyName'), text('unitId'), text('unitLabel'), text('tenants'),
  money('outstanding'), money('credit'), money('aging0to30'), money('aging31to60'), money('aging61to90'), money('aging90plus')
]

export function rentRoll (app: FastifyInstance, agencyId: ObjectId, filters: { propertyId?: string, status?: string }, options: StreamOptions, asOf: Date, cells: (row: Row) => Cell[]): RowSource {
  const { repos } = app
  const query = { equals: { ...unitEquals({ archived: false, propertyId: filters.propertyId, status: filters.status }) }, sort: parseSort('label') }
  return {
    total: () => repos.units.units.countList(agencyId, query, options, 'rentRollCount'),
    async * batches () {
      const cursor = repos.units.units.stream(agencyId, query, options, 'rentRoll')
      for await (const units of batchesOf(cursor, options.batchSize)) {
        const [properties, leases] = await Promise.all([
          repos.properties.findByIds(agencyId, idsOf(units, (u) => u.propertyId)).then(byId),
          repos.leases.activeOnUnits(agencyId, units.map((u) => u._id))
        ])
        const [tenants, ledgers] = await Promise.all([
          repos.tenants.findByIds(agencyId, idsOf(leases, (l) => l.tenantIds)).then(byId),
          repos.ledgers.getMany(agencyId, leases.map((l) => l._id)).then(byId)
        ])
        const leaseOf = new Map(leases.map((lease) => [lease.unitId.toHexString(), lease]))
        const rows = units.map((unit): Row => {
          const lease = leaseOf.get(unit._id.toHexString())
          const balance = lease === undefined ? null : balanceOf(ledgers.get(lease._id.toHexString()) ?? null, asOf)
          return {
            propertyId: unit.propertyId.toHexString(),
            propertyName: properties.get(unit.propertyId.toHexString())?.name ?? null,
            unitId: unit._id.toHexString(),
            unitLabel: unit.label,
            unitStatus: unit.status,
            marketRent: unit.marketRent,
            leaseId: lease?._id.toHexString() ?? null,
            tenants: lease === undefined ? null : tenantNames(lease.tenantIds, tenants),
            leaseStartDate: lease === undefined ? null : isoDate(lease.startDate),
            leaseEndDate: lease?.endDate == null ? null : isoDate(lease.endDate),
            rent: lease?.rent ?? null,
            dueDay: lease?.dueDay ?? null,
            balance: balance?.outstanding ?? null,
            credit: balance?.credit ?? null
          }
        })
        yield { rows: rows.map(cells), scanned: units.length }
      }
    }
  }
}

export function arrears (app: FastifyInstance, agencyId: ObjectId, filters: { minOutstanding?: number }, options: StreamOptions, asOf: Date, cells: (row: Row) => Cell[]): RowSource {
  const { repos } = app
  const minimum = filters.minOutstanding ?? 1
  return {
    total: () => repos.ledgers.countForAgency(agencyId, options),
    async * batches () {
      const cursor = repos.ledgers.streamForAgency(agencyId, options)
      for await (const ledgers of batchesOf(cursor, options.batchSize)) {
        const owing = ledgers.map((ledger) => ({ ledger, balance: balanceOf(ledger, asOf) })).filter(({ balance }) => balance.outstanding >= minimum)
        const leaseIds = owing.map(({ ledger }) => ledger._id)
        const leases = byId(await repos.leases.findByIds(agencyId, leaseIds))
        const [units, properties, tenants] = await Promise.all([
          repos.units.findByIds(agencyId, idsOf(owing, ({ ledger }) => ledger.unitId)).then(byId),
          repos.properties.findByIds(agencyId, idsOf(owing, ({ ledger }) => ledger.propertyId)).then(byId),
          repos.tenants.findByIds(agencyId, idsOf([...leases.values()], (l) => l.tenantIds)).then(byId)
        ])
        const rows = owing.map(({ ledger, balance }): Row => {
          const lease = leases.get(ledger._id.toHexString())
          return {
            leaseId: ledger._id.toHexString(),
            leaseStatus: lease?.status ?? null,
            propertyId: ledger.propertyId.toHexString(),
            propertyName: properties.get(ledger.propertyId.toHexString())?.name ?? null,
            unitId: ledger.unitId.toHexString(),
            unitLabel: units.get(ledger.unitId.toHexString())?.label ?? null,
            tenants: lease === undefined ? null : tenantNames(lease.tenantIds, tenants),
            outstanding: balance.outstanding,
            credit: balance.credit,
            aging0to30: balance.aging['0-30'],
            aging31to60: balance.aging['31-60'],
            aging61to90: balance.aging['61-90'],
            aging90plus: balance.aging['90+']
          }
        })
        yield { rows: rows.map(cells), scanned: ledgers.length }
      }
    }
  }
}
