// One error handler for the whole API: every error leaves with a stable `code`,
// 5xx details stay in the logs (with the request id), and an unavailable
// database answers 503 + Retry-After rather than a generic 500.
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES, type IncomingMessage } from 'node:http'
import { randomUUID } from 'node:crypto'
import { ERROR_CODES, ErrorResponse, type ErrorCode } from '../../schemas/error.ts'

// A caller's (or load balancer's) x-request-id is logged and echoed, so only a
// short id of plain characters is taken: no line breaks, quotes or spaces to
// forge log lines with, nothing long enough to bloat every log line of the request.
const SAFE_REQUEST_ID = /^[\w.:=+/-]{1,64}$/

/** The request's id: the caller's x-request-id when it is short and plain, else a new UUID. */
export function requestIdOf (request: IncomingMessage): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID()
}

export interface CodedError extends Error { statusCode: number, code: ErrorCode }

export function codedError (statusCode: number, code: ErrorCode, message: string): CodedError {
  return Object.assign(new Error(message), { statusCode, code })
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE'
}

// Framework codes that deserve a more precise public code than their status.
const CODE_BY_FASTIFY_CODE: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_PROTO_VIOLATION: 'INVALID_MULTIPART',
  FST_MP_PREMATURE_CLOSE: 'INVALID_MULTIPART',
  FST_UNDER_PRESSURE: 'OVERLOADED',
  FST_JWT_NO_AUTHORIZATION_IN_HEADER: 'UNAUTHORIZED',
  FST_JWT_AUTHORIZATION_TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  FST_JWT_AUTHORIZATION_TOKEN_INVALID: 'UNAUTHORIZED',
  FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED: 'UNAUTHORIZED',
  FST_JWT_BAD_REQUEST: 'BAD_AUTHORIZATION_HEADER',
  FST_JWT_BAD_COOKIE_REQUEST: 'BAD_AUTHORIZATION_HEADER'
}

// Driver errors that mean "the database is not reachable or too slow right now".
const UNAVAILABLE_NAMES = new Set([
  'MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoNotConnectedError',
  'MongoTopologyClosedError', 'WaitQueueTimeoutError', 'MongoWaitQueueTimeoutError', 'PoolClearedError', 'PoolClearedOnNetworkError', 'PoolClosedError'
])
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '53300'])
const MONGO_MAX_TIME_EXPIRED = 50
// Of those, the ones that mean "it answered too slowly": a query past maxTimeMS, a socket silent
// past its limit, a pool wait or a PostgreSQL statement past theirs.
const TIMEOUT_NAMES = new Set(['MongoNetworkTimeoutError', 'WaitQueueTimeoutError', 'MongoWaitQueueTimeoutError'])
const PG_STATEMENT_TIMEOUT = '57014'

const POOL_WAIT_TIMEOUT = /Timed out while checking out a connection/i

/**
 * A bulkWrite that failed for a driver reason rather than a write error throws a
 * MongoBulkWriteError that keeps only the cause's message and own fields (a network
 * error leaves `beforeHandshake`), not its name: under overload a projection write
 * then answered 500 where any other query answered 503.
 */
function isBulkDriverFailure (error: FastifyError): boolean {
  if (error.name !== 'MongoBulkWriteError') return false
  const { writeErrors, errorResponse } = error as { writeErrors?: unknown[], errorResponse?: object }
  if (Array.isArray(writeErrors) && writeErrors.length > 0) return false
  return (errorResponse !== undefined && 'beforeHandshake' in errorResponse) || POOL_WAIT_TIMEOUT.test(error.message) ||
    /interrupted|server selection|pool .* cleared|connection .* closed/i.test(error.message)
}

function isTimeout (error: FastifyError): boolean {
  return TIMEOUT_NAMES.has(error.name) || (error as { code?: unknown }).code === MONGO_MAX_TIME_EXPIRED ||
    String(error.code) === PG_STATEMENT_TIMEOUT || /timeout exceeded when trying to connect/i.test(error.message) ||
    (error.name === 'MongoBulkWriteError' && POOL_WAIT_TIMEOUT.test(error.message))
}

function isUnavailable (error: FastifyError): boolean {
  return UNAVAILABLE_NAMES.has(error.name) || isBulkDriverFailure(error) ||
    UNAVAILABLE_CODES.has(String(error.code)) ||
    isTimeout(error) ||
    /Connection terminated/i.test(error.message)
}

// busboy (under @fastify/multipart) reports a malformed multipart body with plain Errors, told
// apart only by their messages (as @fastify/multipart itself tells them): a body or part that ends
// before its closing boundary, no boundary, a boundary longer than its search takes.
const MALFORMED_MULTIPART = /^(Unexpected end of multipart data|(Part|Preamble) terminated early due to unexpected end of multipart data|Multipart: Boundary not found|The needle cannot have a length bigger than \d+\.)$/

function isMalformedMultipart (error: FastifyError): boolean {
  return error.statusCode === undefined && error.code === undefined && MALFORMED_MULTIPART.test(error.message)
}

// Only a listed code leaves (the document's enum holds); anything else gets its status's code.
const OUR_CODES: ReadonlySet<unknown> = new Set(ERROR_CODES)
function isOurCode (code: unknown): code is ErrorCode {
  return OUR_CODES.has(code)
}

/**
 * An error of ours (codedError: a status and a code, worded for the client), as opposed to a
 * driver's or the runtime's, whose code (ECONNREFUSED) and message (an internal address) are not.
 */
export function isCodedError (err: unknown): err is CodedError {
  const { statusCode, code } = err as { statusCode?: unknown, code?: unknown }
  return err instanceof Error && typeof statusCode === 'number' && isOurCode(code)
}

function validationBody (error: FastifyError, request: FastifyRequest): ErrorResponse {
  const context = error.validationContext ?? 'request'
  return {
    statusCode: 400,
    code: 'VALIDATION_ERROR',
    error: 'Bad Request',
    message: error.message,
    requestId: request.id,
    details: (error.validation ?? []).map((issue) => ({
      path: `/${context}${issue.instancePath}`,
      message: issue.params?.additionalProperty !== undefined
        ? `unknown field '${String(issue.params.additionalProperty)}'`
        : issue.message ?? 'is invalid'
    }))
  }
}

export function errorBody (error: FastifyError, request: FastifyRequest, reply: FastifyReply): ErrorResponse {
  if (error.validation !== undefined) return validationBody(error, request)
  if (isMalformedMultipart(error)) {
    return { statusCode: 400, code: 'INVALID_MULTIPART', error: 'Bad Request', message: `The multipart body is malformed: ${error.message}`, requestId: request.id }
  }

  let statusCode = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
  if (statusCode >= 500 && isUnavailable(error)) {
    statusCode = 503
    reply.header('retry-after', String(request.server.config.PRESSURE_RETRY_AFTER_S))
    if (isTimeout(error)) return { statusCode, code: 'DEPENDENCY_TIMEOUT', error: 'Service Unavailable', message: 'A database did not answer within its time limit; retry later', requestId: request.id }
    return { statusCode, code: 'DEPENDENCY_UNAVAILABLE', error: 'Service Unavailable', message: 'A database is unavailable; retry later', requestId: request.id }
  }
  if (statusCode >= 500 && statusCode !== 503) {
    return { statusCode, code: 'INTERNAL_ERROR', error: STATUS_CODES[statusCode] ?? 'Error', message: 'Something went wrong on our side; the request id identifies it in our logs', requestId: request.id }
  }
  const code = CODE_BY_FASTIFY_CODE[String(error.code)] ?? (isOurCode(error.code) ? error.code : CODE_BY_STATUS[statusCode] ?? 'ERROR')
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message: error.message, requestId: request.id }
}

export default fp(async function errorHandler (fastify) {
  // Routes document their errors as $ref: 'ErrorResponse#'.
  fastify.addSchema(ErrorResponse)

  fastify.setErrorHandler(function handle (error: FastifyError, request, reply) {
    const body = errorBody(error, request, reply)
    // A refusal may say when to come back (Retry-After); an internal error adds nothing.
    const headers = (error as { headers?: Record<string, string> }).headers
    if (body.code !== 'INTERNAL_ERROR' && headers !== undefined) reply.headers(headers)
    // Shedding is the plan under overload, not a failure: one warn line without a stack each
    // (the counter haven_shed_requests_total says how many), where an error line per request
    // would add work to a process that is refusing work.
    if (body.code === 'OVERLOADED') request.log.warn({ code: body.code }, 'request shed')
    else if (body.statusCode >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ code: body.code, statusCode: body.statusCode, message: body.message }, 'request rejected')
    return reply.code(body.statusCode).send(body)
  })

  fastify.setNotFoundHandler(function notFound (request, reply) {
    return reply.code(404).send({
      statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `No route ${request.method} ${request.url.split('?')[0]}`, requestId: request.id
    })
  })

  // Clients and support quote this id; it is the key to the request's log lines.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
}, { name: 'error-handler' })
