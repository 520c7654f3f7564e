// The errors the client throws: Haven's error body as a class, and the one a
// UI must handle on its own (the session is over: show the sign-in page).

/** Haven's error body (ErrorResponse in the document): every error has a stable code. */
export interface ErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
  requestId?: string
  [field: string]: unknown
}

function isErrorBody (value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ErrorBody).code === 'string' && typeof (value as ErrorBody).message === 'string'
}

/** A response that was not a success, with Haven's code and message. */
export class HavenError extends Error {
  override name = 'HavenError'
  readonly status: number
  readonly code: string
  readonly requestId: string | undefined
  /** the whole error body (some errors carry more, e.g. AGENCY_CHOICE_REQUIRED lists the agencies) */
  readonly body: unknown

  constructor (status: number, body: unknown) {
    const known = isErrorBody(body)
    super(known ? body.message : `Haven answered ${status}`)
    this.status = status
    this.code = known ? body.code : `HTTP_${status}`
    this.requestId = known ? body.requestId : undefined
    this.body = body
  }

  /** Reads the body of a failed response. */
  static async fromResponse (response: Response): Promise<HavenError> {
    const text = await response.text().catch(() => '')
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {}
    return new HavenError(response.status, body)
  }
}

/**
 * The session cannot continue: its refresh token was refused (revoked, expired,
 * already used, the account disabled), or there is none (never signed in, or
 * signed out in another tab) for a route that needs one. The stored tokens are
 * cleared; the user signs in again.
 */
export class SessionRevokedError extends HavenError {
  override name = 'SessionRevokedError'

  constructor (status: number, body: unknown) {
    super(status, body)
  }

  static signedOut (): SessionRevokedError {
    return new SessionRevokedError(401, { statusCode: 401, code: 'SIGNED_OUT', error: 'Unauthorized', message: 'Not signed in (or signed out in another tab): sign in again' })
  }
}

/** The result of an openapi-fetch call: its data, or a HavenError thrown. */
export function ok<T> (result: { data: T, error?: never, response: Response } | { data?: never, error: unknown, response: Response }): NonNullable<T> {
  if (result.error !== undefined || !result.response.ok) throw new HavenError(result.response.status, result.error)
  // A route answering 204 has no data: its type says so (never).
  return result.data as NonNullable<T>
}
