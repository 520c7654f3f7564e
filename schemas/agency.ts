import { Type, type Static } from 'typebox'
import { IsoDateTime, Name, ObjectIdString } from './common.ts'
import type { AgencyRecord } from '../plugins/app/repositories/agencies.ts'

export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code; amounts are integer minor units of it' })
export const TimeZone = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$', description: 'IANA time zone, e.g. Europe/Paris' })

export const Agency = Type.Object({
  id: ObjectIdString,
  name: Name,
  currency: Currency,
  timeZone: TimeZone,
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
export type Agency = Static<typeof Agency>

export const AgencyPatch = Type.Object({
  name: Type.Optional(Name),
  currency: Type.Optional(Currency),
  timeZone: Type.Optional(TimeZone)
}, { additionalProperties: false, minProperties: 1 })

export function presentAgency (record: AgencyRecord): Agency {
  return {
    id: record._id.toHexString(),
    name: record.name,
    currency: record.currency,
    timeZone: record.timeZone,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString()
  }
}
