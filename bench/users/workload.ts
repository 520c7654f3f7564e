// The users workload: what an agency's staff do in Haven, as virtual users (VUs). Each VU signs
// in once, then loops through the steps below with THINK_TIME_S between requests. The load is
// open-loop: the whole population's requests go out at the rate users ÷ think time, whether or
// not earlier answers came back (vegeta keeps that schedule), so a slow server shows as latency.
// Each request is the VU's next step; what a step needs from an earlier answer (a page cursor,
// an export's job) it takes from the answers that did come back, never by waiting.
//
// The mix, one loop (9 requests; 12 on every EXPORT_EVERY-th loop once exports exist):
//   dashboard · properties page 1 · properties page 2 (its cursor) · active leases ·
//   a lease · its balance · dashboard · a payment (Idempotency-Key) · dashboard
//   [· export started · its job polled · polled again]
// = 3 dashboards, 3 list pages †, 2 key lookups, 1 write (+ 1 export write, 2 job polls).
export const THINK_TIME_S = 5
export const EXPORT_EVERY = 5
export const PAGE_SIZE = 25
export const PAYMENT_MINOR_UNITS = 1_000

export type RequestType = 'login' | 'dashboard' | 'properties-page-1' | 'properties-page-2' | 'leases-list' |
  'lease-get' | 'lease-balance' | 'payment' | 'export-start' | 'job-status'

export interface RequestKind {
  /** bounds: reads p99 ≤ 250 ms, writes p99 ≤ 500 ms */
  kind: 'read' | 'write'
  /**
   * mongo-java-server answers it by scanning a whole collection (it uses no secondary index);
   * reported apart (†). On MongoDB an index starting with agencyId serves it.
   */
  scan: boolean
  summary: string
}

export const REQUEST_TYPES: Record<RequestType, RequestKind> = {
  login: { kind: 'write', scan: false, summary: 'POST /v1/auth/login (argon2id), once per VU before the measured load' },
  dashboard: { kind: 'read', scan: false, summary: 'GET /v1/dashboard (cached; summaries by _id on a miss)' },
  'properties-page-1': { kind: 'read', scan: true, summary: `GET /v1/properties?limit=${PAGE_SIZE}` },
  'properties-page-2': { kind: 'read', scan: true, summary: 'GET /v1/properties with the first page\'s cursor' },
  'leases-list': { kind: 'read', scan: true, summary: `GET /v1/leases?status=active&limit=${PAGE_SIZE}` },
  'lease-get': { kind: 'read', scan: false, summary: 'GET /v1/leases/:id' },
  'lease-balance': { kind: 'read', scan: false, summary: 'GET /v1/leases/:id/balance (the ledger, by lease)' },
  payment: { kind: 'write', scan: false, summary: 'POST /v1/payments with an Idempotency-Key' },
  'export-start': { kind: 'write', scan: false, summary: 'POST /v1/exports {resource, format: csv} → 202 + Location' },
  'job-status': { kind: 'read', scan: false, summary: 'GET /v1/jobs/:id (the export\'s Location)' }
}

const LOOP: readonly RequestType[] = ['dashboard', 'properties-page-1', 'properties-page-2', 'leases-list', 'lease-get', 'lease-balance', 'dashboard', 'payment', 'dashboard']
/**
 * --no-scans: the loop without the † list pages. The local server answers each by scanning a
 * whole collection, and those scans hold its CPU (and the collection) while the key lookups
 * behind them wait; without them the run shows what the rest costs, as on MongoDB where an
 * index serves the pages. The request rate stays users ÷ think time.
 */
const LOOP_WITHOUT_SCANS: readonly RequestType[] = LOOP.filter((type) => !REQUEST_TYPES[type].scan)
const EXPORT_STEPS: readonly RequestType[] = ['export-start', 'job-status', 'job-status']

/** A login of the dataset: an active owner, admin or manager (viewers cannot pay). */
export interface Account {
  email: string
  agencyId: string
  /** active leases of the agency, for the lease steps and payments */
  leaseIds: string[]
}

export interface Target {
  method: 'GET' | 'POST'
  url: string
  header: Record<string, string[]>
  /** base64, as vegeta's JSON target format has it */
  body?: string
}

export interface Exports {
  resource: string
}

export interface WorkloadOptions {
  baseUrl: string
  password: string
  /** the dashboard period to ask for (the dataset's last full month) */
  period: string
  /** undefined until the server serves POST /v1/exports and GET /v1/jobs/:id */
  exports: Exports | undefined
  /** tells this run's Idempotency-Keys from other runs' */
  runId: string
  /** false: no † list pages (--no-scans) */
  scans?: boolean
}

export class VirtualUser {
  token: string | undefined
  private step = 0
  private loop = 0
  private cursor: string | undefined
  private job: string | undefined
  private payments = 0
  private sent = 0

  readonly id: number
  readonly account: Account

  constructor (id: number, account: Account) {
    this.id = id
    this.account = account
    // Users start at different points of the loop, so every second carries the whole mix.
    this.step = id % LOOP.length
  }

  /** The step this VU takes next, and what it sends. */
  next (options: WorkloadOptions): { type: RequestType, target: Target } {
    const loop = options.scans === false ? LOOP_WITHOUT_SCANS : LOOP
    // Each VU exports on its own loop of the five (by its id): VUs start together, and in step
    // they all exported in the same 45 s, 20 at once per shared bench account, which the per-user
    // export limit refused (1,662 429s in the 30-minute uptime run) where people would not.
    const steps = options.exports !== undefined && (this.loop + this.id) % EXPORT_EVERY === EXPORT_EVERY - 1 ? [...loop, ...EXPORT_STEPS] : loop
    let type = steps[this.step % steps.length]!
    this.step++
    if (this.step >= steps.length) {
      this.step = 0
      this.loop++
    }
    // A poll whose export has not answered yet polls nothing: the VU looks at its dashboard instead.
    if (type === 'job-status' && this.job === undefined) type = 'dashboard'
    return { type, target: this.target(type, options) }
  }

  /** What an answer tells the VU for its later steps. */
  learn (type: RequestType, status: number, body: unknown, location: string | undefined): void {
    if (type === 'login' && status === 200) this.token = (body as { accessToken?: string }).accessToken
    if (type === 'properties-page-1' && status === 200) this.cursor = (body as { nextCursor?: string | null }).nextCursor ?? undefined
    if (type === 'export-start' && status === 202 && location !== undefined) this.job = location
  }

  loginTarget (options: WorkloadOptions): Target {
    return post(`${options.baseUrl}/v1/auth/login`, { 'x-request-id': [this.requestId()] }, { email: this.account.email, password: options.password })
  }

  // Haven echoes the request id, and vegeta reports response headers: that is how an answer finds its VU.
  private requestId (): string {
    this.sent++
    return `vu${this.id}-${this.sent}`
  }

  private target (type: RequestType, options: WorkloadOptions): Target {
    if (type === 'login') return this.loginTarget(options)
    const auth = { authorization: [`Bearer ${this.token ?? ''}`], 'x-request-id': [this.requestId()] }
    const base = options.baseUrl
    const lease = this.account.leaseIds[(this.id + this.loop) % this.account.leaseIds.length]!
    switch (type) {
      case 'dashboard': return get(`${base}/v1/dashboard?period=${options.period}`, auth)
      case 'properties-page-1': return get(`${base}/v1/properties?limit=${PAGE_SIZE}`, auth)
      case 'properties-page-2': return get(`${base}/v1/properties?limit=${PAGE_SIZE}${this.cursor === undefined ? '' : `&cursor=${encodeURIComponent(this.cursor)}`}`, auth)
      case 'leases-list': return get(`${base}/v1/leases?status=active&limit=${PAGE_SIZE}`, auth)
      case 'lease-get': return get(`${base}/v1/leases/${lease}`, auth)
      case 'lease-balance': return get(`${base}/v1/leases/${lease}/balance`, auth)
      case 'payment':
        this.payments++
        return post(`${base}/v1/payments`, { ...auth, 'idempotency-key': [`users-${options.runId}-${this.id}-${this.payments}`] },
          { leaseId: lease, amount: PAYMENT_MINOR_UNITS, method: 'bank_transfer' })
      case 'export-start': return post(`${base}/v1/exports`, auth, { resource: options.exports!.resource, format: 'csv' })
      case 'job-status': return get(new URL(this.job!, base).toString(), auth)
    }
  }
}

function get (url: string, header: Record<string, string[]>): Target {
  return { method: 'GET', url, header }
}

function post (url: string, header: Record<string, string[]>, body: unknown): Target {
  return { method: 'POST', url, header: { ...header, 'content-type': ['application/json'] }, body: Buffer.from(JSON.stringify(body)).toString('base64') }
}

/** The VU an answer belongs to, from the request id Haven echoed. */
export function userOf (headers: Record<string, string[]> | null): number | undefined {
  const id = headers?.['X-Request-Id']?.[0] ?? headers?.['x-request-id']?.[0]
  const match = id === undefined ? null : /^vu(\d+)-/.exec(id)
  return match === null ? undefined : Number(match[1])
}

/** Which request type a sent request was, from its method and URL (vegeta reports those). */
export function classify (method: string, url: string): RequestType | undefined {
  const path = new URL(url).pathname
  if (method === 'POST') {
    if (path === '/v1/auth/login') return 'login'
    if (path === '/v1/payments') return 'payment'
    if (path === '/v1/exports') return 'export-start'
    return undefined
  }
  if (path === '/v1/dashboard') return 'dashboard'
  if (path === '/v1/properties') return url.includes('cursor=') ? 'properties-page-2' : 'properties-page-1'
  if (path === '/v1/leases') return 'leases-list'
  if (/^\/v1\/leases\/[0-9a-f]{24}\/balance$/.test(path)) return 'lease-balance'
  if (/^\/v1\/leases\/[0-9a-f]{24}$/.test(path)) return 'lease-get'
  if (path.startsWith('/v1/jobs/')) return 'job-status'
  return undefined
}

/** The dashboard period to ask for: the dataset is a snapshot at its anchor, so its last full month. */
export function datasetPeriod (anchor: Date): string {
  return new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - 1, 1)).toISOString().slice(0, 7)
}
