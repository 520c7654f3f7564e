import { Type, type Static } from 'typebox'
import { IsoDateTime, Name, ObjectIdString } from './common.ts'

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
