import { Type } from 'typebox'
import { Name } from './common.ts'
import { Agency, Currency, TimeZone } from './agency.ts'
import { Email, Password, User } from './user.ts'

export const SignupBody = Type.Object({
  agencyName: Name,
  name: Name,
  email: Email,
  password: Password,
  currency: Type.Optional(Currency),
  timeZone: Type.Optional(TimeZone)
}, { additionalProperties: false })

export const LoginBody = Type.Object({
  email: Email,
  password: Type.String({ minLength: 1, maxLength: 256 })
}, { additionalProperties: false })

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
