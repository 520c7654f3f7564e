// The list resources an export can hold: which repository collection streams
// them, how the validated filters become its list query (the functions the
// list routes use), the presenter the routes answer with, and the columns.
// Columns name the presented fields (nested ones with a dot); money columns
// hold integer minor units and get a formatted twin.
import type { ObjectId } from 'mongodb'
import type { Repositories } from '../repositories/index.ts'
import type { AgencyCollection, AgencyDoc, StreamQuery } from '../repositories/agency-collection.ts'
import { parseSort } from '../repositories/cursor.ts'
import { toDate } from '../repositories/calendar.ts'
import {
  chargeEquals, leaseEquals, maintenanceEquals, maintenanceSort, paymentEquals, propertyEquals, tenantEquals, unitEquals
} from '../repositories/list-filters.ts'
import { presentProperty } from '../repositories/properties.ts'
import { presentUnit } from '../repositories/units.ts'
import { presentTenant } from '../repositories/tenants.ts'
import { presentLease } from '../repositories/leases.ts'
import { presentCharge } from '../repositories/charges.ts'
import { presentPayment } from '../repositories/payments.ts'
import { presentMaintenanceRequest } from '../repositories/maintenance-requests.ts'
import { joined, type Cell, type Column } from './columns.ts'
import type { StoredKind } from './stored-cells.ts'
import type { LIST_RESOURCES } from '../../../schemas/export.ts'

export type ListResource = typeof LIST_RESOURCES[number]

export interface Filters extends Record<string, unknown> {
  sort?: string
  dateRange?: { field: string, from?: string, to?: string }
}

export interface ListExport {
  collection: (repos: Repositories) => AgencyCollection<AgencyDoc>
  query: (filters: Filters) => StreamQuery
  present: (record: AgencyDoc) => Record<string, unknown>
  columns: Column<Record<string, unknown>>[]
}

/** A calendar date is midnight UTC; an instant is itself. */
export function instant (value: string): Date {
  return value.length === 10 ? toDate(value) : new Date(value)
}

function cellOf (value: unknown): Cell {
  if (value === undefined || value === null) return null
  if (Array.isArray(value)) return joined(value.map(String))
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  return JSON.stringify(value)
}

type Row = Record<string, unknown>

/**
 * A presented field (nested ones with a dot), and how its presenter maps it from
 * the stored document (the presented `id` is the stored `_id`).
 */
function column (path: string, kind: StoredKind = 'value'): Column<Row> {
  const [head, tail] = path.split('.') as [string, string | undefined]
  return {
    name: path,
    get: tail === undefined ? (row) => cellOf(row[head]) : (row) => cellOf((row[head] as Row | undefined)?.[tail]),
    stored: { field: head === 'id' ? '_id' : head, ...(tail === undefined ? {} : { sub: tail }), kind }
  }
}

const money = (name: string): Column<Row> => ({ ...column(name), money: true })
const ID = column('id', 'id')
const id = (name: string) => column(name, 'id')

function columns (...specs: Array<string | Column<Row>>): Column<Row>[] {
  return specs.map((spec) => typeof spec === 'string' ? column(spec) : spec)
}

const TIMESTAMPS = [column('createdAt', 'instant'), column('updatedAt', 'instant')]
const ARCHIVED = ['archived', column('archivedAt', 'instant?')]

// Validated filters are the list query's own parameters (export.ts builds their schema from it).
function listQuery<F> (equals: (filters: F) => Record<string, unknown>, defaultSort: string, sortOf = parseSort) {
  return (filters: Filters): StreamQuery => ({
    equals: equals(filters as F),
    sort: sortOf(filters.sort ?? defaultSort),
    range: filters.dateRange === undefined
      ? undefined
      : {
          field: filters.dateRange.field,
          from: filters.dateRange.from === undefined ? undefined : instant(filters.dateRange.from),
          to: filters.dateRange.to === undefined ? undefined : instant(filters.dateRange.to)
        }
  })
}

const as = <R>(present: (record: R) => unknown) => present as unknown as (record: AgencyDoc) => Row
const collectionOf = <R>(pick: (repos: Repositories) => AgencyCollection<R & AgencyDoc>) => pick as unknown as (repos: Repositories) => AgencyCollection<AgencyDoc>

export const LIST_EXPORTS: Record<ListResource, ListExport> = {
  properties: {
    collection: collectionOf((repos) => repos.properties.properties),
    query: listQuery(propertyEquals, 'name'),
    present: as(presentProperty),
    columns: columns(ID, 'name', 'kind', 'address.line1', 'address.line2', 'address.city', 'address.region', 'address.postalCode', 'address.country',
      'notes', ...ARCHIVED, ...TIMESTAMPS)
  },
  units: {
    collection: collectionOf((repos) => repos.units.units),
    query: listQuery(unitEquals, 'label'),
    present: as(presentUnit),
    columns: columns(ID, id('propertyId'), 'label', 'bedrooms', 'bathrooms', 'areaSqm', money('marketRent'), 'status', ...ARCHIVED, ...TIMESTAMPS)
  },
  tenants: {
    collection: collectionOf((repos) => repos.tenants.tenants),
    query: listQuery(tenantEquals, 'lastName'),
    present: as(presentTenant),
    columns: columns(ID, 'firstName', 'lastName', 'email', 'phone', 'dateOfBirth', 'notes', ...ARCHIVED, ...TIMESTAMPS)
  },
  leases: {
    collection: collectionOf((repos) => repos.leases.leases),
    query: listQuery(leaseEquals, '-startDate'),
    present: as(presentLease),
    columns: columns(ID, id('unitId'), id('propertyId'), column('tenantIds', 'ids'), column('startDate', 'day'), column('endDate', 'day|null'),
      money('rent'), money('deposit'), 'dueDay', 'status', 'notes', column('nextRentDueDate', 'day|null'), column('activatedAt', 'instant?'),
      column('endedAt', 'instant?'), 'endReason', ...TIMESTAMPS)
  },
  charges: {
    collection: collectionOf((repos) => repos.charges.docs),
    query: listQuery(chargeEquals, 'dueDate'),
    present: as(presentCharge),
    columns: columns(ID, id('leaseId'), id('propertyId'), id('unitId'), 'kind', 'period', 'description', column('dueDate', 'day'),
      money('amount'), money('paid'), money('outstanding'), 'status', 'overdue', column('voidedAt', 'instant?'), ...TIMESTAMPS)
  },
  payments: {
    collection: collectionOf((repos) => repos.payments.docs),
    query: listQuery(paymentEquals, '-receivedAt'),
    present: as(presentPayment),
    columns: columns(ID, id('leaseId'), id('propertyId'), id('unitId'), money('amount'), column('receivedAt', 'instant'), 'method', 'reference', 'status',
      money('applied'),
      {
        name: 'allocations',
        get: (row) => joined((row.allocations as Array<{ chargeId: string, amount: number }>).map((a) => `${a.chargeId}:${a.amount}`)),
        stored: { field: 'allocations', kind: 'allocations' }
      },
      column('reversedAt', 'instant?'), 'reversalReason', ...TIMESTAMPS)
  },
  'maintenance-requests': {
    collection: collectionOf((repos) => repos.maintenanceRequests.requests),
    query: listQuery(maintenanceEquals, '-reportedAt', maintenanceSort),
    present: as(presentMaintenanceRequest),
    columns: columns(ID, id('propertyId'), column('unitId', 'id?'), column('tenantId', 'id?'), 'title', 'description', 'priority', 'status',
      column('assigneeId', 'id?'), column('reportedAt', 'instant'), column('resolvedAt', 'instant?'), ...ARCHIVED, ...TIMESTAMPS)
  }
}

/** The ids in a batch of records under one field, without repeats (for key lookups). */
export function idsOf<T> (records: readonly T[], pick: (record: T) => ObjectId | ObjectId[] | null | undefined): ObjectId[] {
  const seen = new Map<string, ObjectId>()
  for (const record of records) {
    const picked = pick(record)
    for (const id of Array.isArray(picked) ? picked : picked == null ? [] : [picked]) seen.set(id.toHexString(), id)
  }
  return [...seen.values()]
}
