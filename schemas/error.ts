import { Type, type Static } from 'typebox'

/**
 * Every code an error body can carry. A code thrown anywhere must be listed here: the
 * type checker holds codedError to this list, and test/routes/error-codes.test.ts
 * finds the codes the sources build any other way.
 */
export const ERROR_CODES = [
  // by status, when nothing more precise applies (plugins/app/error-handler.ts)
  'BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'NOT_ACCEPTABLE', 'CONFLICT',
  'PRECONDITION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNPROCESSABLE', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE',
  /** a status with no code of its own */
  'ERROR',
  // input
  'VALIDATION_ERROR', 'INVALID_JSON', 'INVALID_MULTIPART', 'INVALID_CURSOR', 'UNSUPPORTED_QUERY', 'INVALID_DATES', 'PERIOD_OUT_OF_RANGE',
  'RECEIVED_IN_FUTURE', 'WEBHOOK_URL_REFUSED', 'IDEMPOTENCY_KEY_REUSED',
  // files (imports, downloads)
  'NO_FILE', 'EMPTY_FILE', 'INVALID_CSV', 'TOO_MANY_FIELDS', 'TOO_MANY_ROWS', 'ROW_TOO_LARGE', 'UNKNOWN_COLUMN', 'DUPLICATE_COLUMN', 'FILE_EXPIRED', 'FILE_GONE', 'LINK_INVALID', 'LINK_EXPIRED',
  // sign-in and sessions
  'BAD_AUTHORIZATION_HEADER', 'TOKEN_EXPIRED', 'TOKEN_REVOKED', 'INVALID_CREDENTIALS', 'INVALID_REFRESH_TOKEN', 'REFRESH_TOKEN_REUSED',
  'ACCOUNT_DISABLED', 'INVALID_CURRENT_PASSWORD', 'AGENCY_CHOICE_REQUIRED', 'AGENCY_GONE', 'EMAIL_TAKEN',
  'TOO_MANY_FAILED_LOGINS', 'LOGIN_DELAYED', 'AGENCY_RATE_LIMITED',
  // the state of what a request changes
  'ASSIGNEE_NOT_ELIGIBLE', 'DATE_OUT_OF_RANGE', 'JOB_FINISHED', 'LEASE_ACTIVE', 'LEASE_CLOSED', 'LEASE_STATE', 'LEDGER_CLOSED',
  'LEDGER_FULL', 'PROPERTY_HAS_UNITS', 'UNIT_HAS_ACTIVE_LEASE', 'UNIT_LABEL_TAKEN', 'UNIT_OCCUPIED',
  // this instance or a database, for now: retry after Retry-After
  'OVERLOADED', 'DEPENDENCY_UNAVAILABLE', 'DEPENDENCY_TIMEOUT', 'JOB_BUSY', 'LEDGER_BUSY', 'WEBHOOK_BUSY', 'STREAM_LIMIT',
  'INTERNAL_ERROR'
] as const

export type ErrorCode = typeof ERROR_CODES[number]

// Every error body has this shape; `code` is stable and meant for programs,
// `message` is for people and may change.
export const ErrorResponse = Type.Object({
  statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
  code: Type.Enum(ERROR_CODES, { description: 'stable machine-readable error code' }),
  error: Type.String({ description: 'HTTP status text' }),
  message: Type.String(),
  requestId: Type.String(),
  details: Type.Optional(Type.Array(Type.Object({
    path: Type.String({ description: 'JSON pointer to the offending input' }),
    message: Type.String()
  })))
}, { $id: 'ErrorResponse', description: 'Error' })

export type ErrorResponse = Static<typeof ErrorResponse>
