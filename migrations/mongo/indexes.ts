// Every MongoDB index Haven relies on, by collection. Request-path queries start
// with agencyId (equality, then sort, then range: the ESR rule); repositories
// refuse list queries these do not serve, and the coverage test checks every
// query shape the suite sent against them.
import type { IndexDefinitions } from './apply.ts'
import { agencies } from './agencies.ts'
import { properties } from './properties.ts'
import { refreshTokens } from './refresh-tokens.ts'
import { units } from './units.ts'
import { users } from './users.ts'

export const indexes = {
  agencies,
  users,
  refresh_tokens: refreshTokens,
  properties,
  units
} satisfies IndexDefinitions
