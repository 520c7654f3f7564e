// POST /v1/exports and the filters of each resource: the list route's own
// filters and sort (same names, same defaults), plus a date range.
import { Type, type TObject, type TSchema } from 'typebox'
import { IsoDate, IsoDateTime, ObjectIdString } from './common.ts'
import { PropertyListQuery } from './property.ts'
import { UnitListQuery, UnitStatus } from './unit.ts'
import { TenantListQuery } from './tenant.ts'
import { LeaseListQuery } from './lease.ts'
import { ChargeListQuery } from './charge.ts'
import { PaymentListQuery } from './payment.ts'
import { MaintenanceRequestListQuery } from './maintenance-request.ts'

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const
export const LIST_RESOURCES = ['properties', 'units', 'tenants', 'leases', 'charges', 'payments', 'maintenance-requests'] as const
export const REPORTS = ['rent-roll', 'arrears'] as const
export const EXPORT_RESOURCES = [...LIST_RESOURCES, ...REPORTS] as const

/** The date fields each list can be bounded by (each is also a sort field, so an index serves the range). */
export const DATE_FIELDS = {
  properties: ['createdAt', 'updatedAt'],
  units: ['createdAt', 'updatedAt'],
  tenants: ['createdAt', 'updatedAt'],
  leases: ['startDate', 'endDate', 'createdAt'],
  charges: ['dueDate', 'createdAt'],
  payments: ['receivedAt', 'createdAt'],
  'maintenance-requests': ['reportedAt', 'updatedAt']
} as const satisfies Record<typeof LIST_RESOURCES[number], readonly string[]>

const Instant = Type.Union([IsoDate, IsoDateTime], { description: 'a date (midnight UTC) or an instant' })

function DateRange (fields: readonly string[]) {
  return Type.Object({
    field: Type.Enum(fields),
    from: Type.Optional(Type.Unsafe<string>({ ...Instant, description: 'inclusive' })),
    to: Type.Optional(Type.Unsafe<string>({ ...Instant, description: 'exclusive' }))
  }, { additionalProperties: false, minProperties: 2, description: 'bounds one date field; without a sort, the export is sorted by it' })
}

const PAGING = new Set(['limit', 'cursor', 'updatedSince'])

/** A list query's filters and sort, without its paging, plus a date range. */
function listFilters (query: TObject, fields: readonly string[]): TObject {
  const kept = Object.fromEntries(Object.entries(query.properties as Record<string, TSchema>).filter(([name]) => !PAGING.has(name)))
  return Type.Object({ ...kept, dateRange: Type.Optional(DateRange(fields)) }, { additionalProperties: false })
}

export const EXPORT_FILTERS: Record<typeof EXPORT_RESOURCES[number], TObject> = {
  properties: listFilters(PropertyListQuery, DATE_FIELDS.properties),
  units: listFilters(UnitListQuery, DATE_FIELDS.units),
  tenants: listFilters(TenantListQuery, DATE_FIELDS.tenants),
  leases: listFilters(LeaseListQuery, DATE_FIELDS.leases),
  charges: listFilters(ChargeListQuery, DATE_FIELDS.charges),
  payments: listFilters(PaymentListQuery, DATE_FIELDS.payments),
  'maintenance-requests': listFilters(MaintenanceRequestListQuery, DATE_FIELDS['maintenance-requests']),
  'rent-roll': Type.Object({
    propertyId: Type.Optional(ObjectIdString),
    status: Type.Optional(UnitStatus)
  }, { additionalProperties: false, description: 'one row per current unit, by label' }),
  arrears: Type.Object({
    minOutstanding: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: 'only leases owing at least this (minor units)' }))
  }, { additionalProperties: false, description: 'one row per lease that owes money, with its aging' })
}

export const ExportCreate = Type.Object({
  resource: Type.Enum(EXPORT_RESOURCES),
  format: Type.Enum(EXPORT_FORMATS),
  filters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'the resource\'s list filters and sort, plus dateRange (see the API reference of each resource)' })),
  columns: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100, uniqueItems: true, description: 'a subset of the resource\'s columns, in this order (default: all)' }))
}, {
  additionalProperties: false,
  examples: [{ resource: 'charges', format: 'csv', filters: { status: 'open', sort: 'dueDate' } }]
})
