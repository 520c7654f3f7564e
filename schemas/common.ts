// Building blocks every resource schema uses: ids, dates, money, pages and the
// error responses each route documents.
import { Type, type TSchema } from 'typebox'

/** How every schema is checked (Ajv options: request parts, export filters, import rows). */
export const VALIDATION_OPTIONS = {
  // Unknown fields are an error, never silently dropped (schemas say additionalProperties: false).
  removeAdditional: false,
  coerceTypes: 'array',
  useDefaults: true,
  allErrors: false
} as const

export const ObjectIdString = Type.String({ pattern: '^[a-f0-9]{24}$', description: 'a 24-character hex id' })
export const IsoDateTime = Type.String({ format: 'date-time' })
export const IsoDate = Type.String({ format: 'date', description: 'a calendar date, YYYY-MM-DD (UTC)' })
/** Integer minor units (cents); the currency is the agency's. */
export const Money = Type.Integer({ minimum: 0, maximum: 1_000_000_000_00, description: 'integer minor units (cents)' })
export const Name = Type.String({ minLength: 1, maxLength: 200 })
export const Notes = Type.String({ maxLength: 5_000 })

/** The body of an action that takes no input: left out, or an empty object. */
export const NoBody = Type.Unsafe<Record<string, never> | null>({ type: ['object', 'null'], properties: {}, additionalProperties: false, description: 'no fields; the body may be left out' })

export const IdParams = Type.Object({ id: ObjectIdString }, { additionalProperties: false })

export const PAGE_LIMIT_MAX = 100
export const PAGE_LIMIT_DEFAULT = 25

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' })),
  updatedSince: Type.Optional(Type.String({ format: 'date-time', description: 'only items changed after this instant, oldest change first (incremental sync); archived items included' }))
}

export function Page<T extends TSchema> (item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as cursor for the next page; null on the last page' })
  })
}

/** A sort parameter: a field name, descending with a leading '-'. */
export function SortParam (fields: readonly string[], fallback: string) {
  return Type.Optional(Type.Enum(fields.flatMap((field) => [field, `-${field}`]), { default: fallback }))
}

const errorRef = (description: string) => Type.Unsafe<unknown>({ $ref: 'ErrorResponse#', description })

export const Errors = {
  400: errorRef('Invalid input (VALIDATION_ERROR, INVALID_CURSOR, UNSUPPORTED_QUERY…)'),
  401: errorRef('Missing, invalid or expired access token'),
  403: errorRef('The caller\'s role does not allow this'),
  404: errorRef('No such item in the caller\'s agency'),
  409: errorRef('Conflicts with the current state'),
  422: errorRef('Well-formed but not acceptable (IDEMPOTENCY_KEY_REUSED…)'),
  429: errorRef('Rate limited')
} as const

/** The error responses of a route, by status. */
export function errors<const S extends keyof typeof Errors> (...statuses: S[]): Pick<typeof Errors, S> {
  return Object.fromEntries(statuses.map((status) => [status, Errors[status]])) as Pick<typeof Errors, S>
}
