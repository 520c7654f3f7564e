// What a bulk import accepts per resource: the CSV columns (the create route's
// body fields; nested ones with a dot), the create route's own body schema, and
// how valid rows are written. Natural keys (a row already there is left alone,
// so the same file imported twice creates nothing new):
//  - properties: name + postal code (any case and spacing);
//  - units: label within its property (the existing unique index);
//  - tenants: first and last name + email + phone + date of birth.
import { ObjectId } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import type { TSchema } from 'typebox'
import { PropertyCreate } from '../../../schemas/property.ts'
import { UnitCreate } from '../../../schemas/unit.ts'
import { TenantCreate } from '../../../schemas/tenant.ts'
import type { IMPORT_RESOURCES } from '../../../schemas/import.ts'
import type { ImportOutcome } from '../repositories/agency-collection.ts'
import type { RecountedWidget } from '../repositories/agency-summaries.ts'
import type { PropertyInput } from '../repositories/properties.ts'
import type { UnitInput } from '../repositories/units.ts'
import type { TenantInput } from '../repositories/tenants.ts'
import { normaliseEmail } from '../sessions.ts'

export type ImportResource = typeof IMPORT_RESOURCES[number]
export type Body = Record<string, unknown>

export interface ImportDefinition {
  columns: readonly string[]
  schema: TSchema
  /** writes the valid rows' bodies; one outcome per body, in order */
  write: (app: FastifyInstance, agencyId: ObjectId, bodies: Body[]) => Promise<ImportOutcome[]>
  /** dashboard figures that new rows change */
  widgets: RecountedWidget[]
}

/** A row's cells as a body: empty cells are absent fields, dotted columns nest. */
export function bodyOf (header: readonly string[], cells: readonly string[]): Body {
  const body: Body = {}
  header.forEach((column, index) => {
    const value = cells[index]?.trim() ?? ''
    if (value === '') return
    const [head, tail] = column.split('.') as [string, string | undefined]
    if (tail === undefined) body[head] = value
    else body[head] = { ...(body[head] as Body | undefined), [tail]: value }
  })
  return body
}

async function writeUnits (app: FastifyInstance, agencyId: ObjectId, bodies: Body[]): Promise<ImportOutcome[]> {
  // The create route's own rule: a unit goes into a current property of the agency.
  const ids = [...new Set(bodies.map((body) => String(body.propertyId)))].map((hex) => new ObjectId(hex))
  const current = new Set((await app.repos.properties.findByIds(agencyId, ids)).filter((p) => !p.archived).map((p) => p._id.toHexString()))
  const outcomes: ImportOutcome[] = bodies.map((body) => current.has(String(body.propertyId)) ? 'created' : { error: `no current property ${String(body.propertyId)} in this agency` })
  const writable = bodies.flatMap((body, index) => outcomes[index] === 'created' ? [{ index, input: { ...body, propertyId: new ObjectId(String(body.propertyId)) } as unknown as UnitInput }] : [])
  const written = await app.repos.units.importMany(agencyId, writable.map((w) => w.input))
  writable.forEach((w, i) => { outcomes[w.index] = written[i]! })
  return outcomes
}

export const IMPORTS: Record<ImportResource, ImportDefinition> = {
  properties: {
    columns: ['name', 'kind', 'address.line1', 'address.line2', 'address.city', 'address.region', 'address.postalCode', 'address.country', 'notes'],
    schema: PropertyCreate,
    write: (app, agencyId, bodies) => app.repos.properties.importMany(agencyId, bodies as unknown as PropertyInput[]),
    widgets: ['properties']
  },
  units: {
    columns: ['propertyId', 'label', 'bedrooms', 'bathrooms', 'areaSqm', 'marketRent', 'status'],
    schema: UnitCreate,
    write: writeUnits,
    widgets: ['units']
  },
  tenants: {
    columns: ['firstName', 'lastName', 'email', 'phone', 'dateOfBirth', 'notes'],
    schema: TenantCreate,
    // Stored lowercase, as the create route stores them.
    write: (app, agencyId, bodies) => app.repos.tenants.importMany(agencyId, bodies.map((body) => (
      typeof body.email === 'string' ? { ...body, email: normaliseEmail(body.email) } : body
    )) as unknown as TenantInput[]),
    widgets: []
  }
}
