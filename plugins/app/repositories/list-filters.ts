// From a list's query parameters to the repository's equality filters and sort,
// one function per resource. The list routes and the exports both use these, so
// an export holds exactly the rows the list route pages through for the same filters.
import { ObjectId } from 'mongodb'
import { parseSort, type Sort } from './cursor.ts'
import { normaliseEmail } from '../sessions.ts'

const id = (hex: string | undefined) => hex === undefined ? undefined : new ObjectId(hex)

export interface PropertyFilters { archived?: boolean | undefined, city?: string | undefined }
export const propertyEquals = (q: PropertyFilters) => ({ archived: q.archived, 'address.city': q.city })

export interface UnitFilters { archived?: boolean | undefined, propertyId?: string | undefined, status?: string | undefined }
export const unitEquals = (q: UnitFilters) => ({ archived: q.archived, propertyId: id(q.propertyId), status: q.status })

export interface TenantFilters { archived?: boolean | undefined, email?: string | undefined }
/** Emails are stored lowercase: the filter matches any case. */
export const tenantEquals = (q: TenantFilters) => ({ archived: q.archived, email: q.email === undefined ? undefined : normaliseEmail(q.email) })

export interface LeaseFilters { status?: string | undefined, unitId?: string | undefined, propertyId?: string | undefined, tenantId?: string | undefined }
export const leaseEquals = (q: LeaseFilters) => ({ status: q.status, unitId: id(q.unitId), propertyId: id(q.propertyId), tenantIds: id(q.tenantId) })

export interface ChargeFilters { leaseId?: string | undefined, status?: string | undefined, overdue?: boolean | undefined }
export const chargeEquals = (q: ChargeFilters) => ({ leaseId: id(q.leaseId), status: q.status, overdue: q.overdue })

export interface PaymentFilters { leaseId?: string | undefined, status?: string | undefined }
export const paymentEquals = (q: PaymentFilters) => ({ leaseId: id(q.leaseId), status: q.status })

export interface MaintenanceFilters { archived?: boolean | undefined, status?: string | undefined, priority?: string | undefined, propertyId?: string | undefined, assigneeId?: string | undefined }
export const maintenanceEquals = (q: MaintenanceFilters) => ({
  archived: q.archived, status: q.status, priority: q.priority, propertyId: id(q.propertyId), assigneeId: id(q.assigneeId)
})

/** "priority" sorts by the stored rank (urgent first). */
export function maintenanceSort (param: string): Sort {
  const sort = parseSort(param)
  return sort.field === 'priority' ? { ...sort, field: 'priorityRank' } : sort
}
