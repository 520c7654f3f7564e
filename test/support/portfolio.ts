// Builds a small portfolio through the API: a property, its units, tenants and
// leases, for tests of leases and money.
import type { Caller } from './session.ts'

const address = { line1: '12 Canal Walk', city: 'Leeds', postalCode: 'LS1 4AB', country: 'GB' }

async function created (response: Promise<{ statusCode: number, body: string, json: () => unknown }>): Promise<{ id: string } & Record<string, unknown>> {
  const result = await response
  if (result.statusCode !== 201) throw new Error(`expected 201, got ${result.statusCode}: ${result.body}`)
  return result.json() as { id: string } & Record<string, unknown>
}

export async function createProperty (caller: Caller, name = 'Canal House') {
  return await created(caller.post('/v1/properties', { name, kind: 'residential', address }))
}

export async function createUnit (caller: Caller, propertyId: string, label: string) {
  return await created(caller.post('/v1/units', { propertyId, label, bedrooms: 2, bathrooms: 1, marketRent: 95_000 }))
}

export async function createTenant (caller: Caller, lastName = 'Okafor') {
  return await created(caller.post('/v1/tenants', { firstName: 'Ada', lastName }))
}

export interface LeaseOptions { rent?: number, deposit?: number, startDate?: string, endDate?: string | null, dueDay?: number, activate?: boolean }

/** A unit with a tenant and a lease on it (active unless told otherwise). */
export async function leasedUnit (caller: Caller, label: string, options: LeaseOptions = {}) {
  const property = await createProperty(caller, `House of ${label}`)
  const unit = await createUnit(caller, property.id, label)
  const tenant = await createTenant(caller)
  const lease = await created(caller.post('/v1/leases', {
    unitId: unit.id,
    tenantIds: [tenant.id],
    startDate: options.startDate ?? '2026-01-01',
    endDate: options.endDate === undefined ? '2027-12-31' : options.endDate,
    rent: options.rent ?? 100_000,
    deposit: options.deposit ?? 0,
    dueDay: options.dueDay ?? 1,
    activate: options.activate ?? true
  }))
  return { property, unit, tenant, lease }
}
