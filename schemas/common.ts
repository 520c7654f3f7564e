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

// Every date and instant the API takes lies in one calendar range, so no input can
// make a scheduled job work through centuries (a lease starting in year 100 would
// raise tens of thousands of months of rent) or a month list grow without end.
// Inputs use instant() and calendarDate(); responses use IsoDateTime and IsoDate,
// which carry no range: a document stored before the range existed still reads
// (the serializer checks a union's branches against their schema).
export const CALENDAR_MIN = '1900-01-01'
export const CALENDAR_MAX = '2099-12-31'
/** The first and last instant of the range, as ajv's formatMinimum/formatMaximum compare them. */
const INSTANT_MIN = `${CALENDAR_MIN}T00:00:00.000Z`
const INSTANT_MAX = `${CALENDAR_MAX}T23:59:59.999Z`
/** Months (YYYY-MM) within the range. */
export const MONTH_PATTERN = '^(19|20)\\d{2}-(0[1-9]|1[0-2])$'

/** An instant (ISO 8601 date-time) within the calendar range. */
export function instant (description?: string) {
  return Type.String({ format: 'date-time', formatMinimum: INSTANT_MIN, formatMaximum: INSTANT_MAX, description: `${description === undefined ? '' : `${description}; `}${CALENDAR_MIN} to ${CALENDAR_MAX}` })
}

/** A calendar date (YYYY-MM-DD, UTC) within the calendar range. */
export function calendarDate (description = 'a calendar date, YYYY-MM-DD (UTC)') {
  return Type.String({ format: 'date', formatMinimum: CALENDAR_MIN, formatMaximum: CALENDAR_MAX, description: `${description}; ${CALENDAR_MIN} to ${CALENDAR_MAX}` })
}

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
  updatedSince: Type.Optional(instant('only items changed after this instant, oldest change first (incremental sync); archived items included'))
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
  400: errorRef('Invalid input (VALIDATION_ERROR, INVALID_JSON, INVALID_CURSOR, UNSUPPORTED_QUERY…)'),
  401: errorRef('Missing, invalid, expired or revoked access token (UNAUTHORIZED, TOKEN_EXPIRED, TOKEN_REVOKED…)'),
  403: errorRef('The caller\'s role does not allow this'),
  404: errorRef('No such item in the caller\'s agency'),
  409: errorRef('Conflicts with the current state'),
  410: errorRef('Gone: past its retention or its link\'s lifetime'),
  413: errorRef('The body is larger than this route takes (PAYLOAD_TOO_LARGE)'),
  415: errorRef('The body\'s content type is not one this route takes (UNSUPPORTED_MEDIA_TYPE)'),
  422: errorRef('Well-formed but not acceptable (IDEMPOTENCY_KEY_REUSED…)'),
  429: errorRef('Rate limited (RATE_LIMITED, AGENCY_RATE_LIMITED, …): retry after Retry-After'),
  500: errorRef('A failure on our side (INTERNAL_ERROR); the request id names it in our logs'),
  503: errorRef('Shedding load (OVERLOADED), or a database is unavailable or slow (DEPENDENCY_UNAVAILABLE, DEPENDENCY_TIMEOUT…): retry after Retry-After')
} as const

/** The error responses of a route, by status. */
export function errors<const S extends keyof typeof Errors> (...statuses: S[]): Pick<typeof Errors, S> {
  return Object.fromEntries(statuses.map((status) => [status, Errors[status]])) as Pick<typeof Errors, S>
}

/** The content types of a job's file (an export as CSV or XLSX, an import's rejected rows as CSV). */
export const FILE_TYPES = ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'] as const

/** The Idempotency-Key header every creating POST takes (plugins/app/idempotency.ts). */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: '^[\\x21-\\x7E]+$',
    description: 'makes retries safe: a replay with the same key and body answers the first response (Idempotent-Replayed: true), concurrent duplicates create one resource, the same key with another body answers 422 IDEMPOTENCY_KEY_REUSED; keys are kept for 24 hours'
  }))
})
