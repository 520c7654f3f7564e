import { Type } from 'typebox'
import { Name, ObjectIdString } from './common.ts'
import { ErrorResponse } from './error.ts'
import { Agency, Currency, TimeZone } from './agency.ts'
import { Email, Password, User } from './user.ts'

export const SignupBody = Type.Object({
  agencyName: Name,
  name: Name,
  email: Email,
  password: Password,
  currency: Type.Optional(Currency),
  timeZone: Type.Optional(TimeZone)
}, {
  additionalProperties: false,
  examples: [{ agencyName: 'Northern Lettings', name: 'Grace Hopper', email: 'grace@example.com', password: 'correct horse battery staple', currency: 'GBP', timeZone: 'Europe/London' }]
})

export const LoginBody = Type.Object({
  email: Email,
  password: Type.String({ minLength: 1, maxLength: 256 }),
  agencyId: Type.Optional(Type.String({ pattern: '^[a-f0-9]{24}$', description: 'the agency to sign in to; needed when the email and password open accounts at several agencies (409 AGENCY_CHOICE_REQUIRED lists them)' }))
}, { additionalProperties: false })

export const AgencyChoice = Type.Object({
  ...ErrorResponse.properties,
  code: Type.Literal('AGENCY_CHOICE_REQUIRED'),
  agencies: Type.Array(Type.Object({ id: ObjectIdString, name: Name }), { description: 'the agencies this email and password open; log in again with one id as agencyId' })
}, { description: 'The email and password open accounts at several agencies: name one' })

export const RefreshBody = Type.Object({
  refreshToken: Type.String({ minLength: 20, maxLength: 200 })
}, { additionalProperties: false })

export const Tokens = Type.Object({
  accessToken: Type.String({ description: 'JWT; send as Authorization: Bearer <token>' }),
  refreshToken: Type.String({ description: 'opaque; single use, exchanged at /v1/auth/refresh for a new pair' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'access token lifetime in seconds' })
})

export const SignupResponse = Type.Object({
  ...Tokens.properties,
  user: User,
  agency: Agency
})
