// Configuration comes only from the environment, validated once at start-up.
// Every variable is listed with its default and meaning in .env.example.
import { isIP } from 'node:net'
import { envSchema } from 'env-schema'
import { Type, type Static } from 'typebox'

/** The origins npm run dev admits unless CORS_ORIGINS is set: the usual local front-end dev servers (Vite, its preview, webpack and the like). */
export const DEV_CORS_ORIGINS = ['5173', '4173', '3000', '8080'].flatMap((port) => [`http://localhost:${port}`, `http://127.0.0.1:${port}`]).join(',')

const Milliseconds = (def: number, description: string) =>
  Type.Integer({ minimum: 1, default: def, description })

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Enum(['development', 'production', 'test'], { default: 'production' }),
  HAVEN_ROLE: Type.Enum(['api', 'worker', 'all'], {
    default: 'all',
    description: 'api serves HTTP, worker runs jobs, all does both'
  }),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  TRUST_PROXY: Type.String({
    default: 'false',
    description: 'false, the number of proxies in front of the API, or their addresses (comma-separated IPs or CIDRs)'
  }),
  CORS_ORIGINS: Type.String({ default: '', description: 'comma-separated allowed origins; empty disables CORS (npm run dev: DEV_CORS_ORIGINS)' }),

  REQUEST_TIMEOUT_MS: Milliseconds(30_000, 'whole-request time limit'),
  CONNECTION_TIMEOUT_MS: Milliseconds(30_000, 'socket inactivity limit'),
  KEEP_ALIVE_TIMEOUT_MS: Milliseconds(72_000, 'idle keep-alive; above the load balancer idle timeout'),
  PLUGIN_TIMEOUT_MS: Milliseconds(10_000, 'how long one plugin may take to start (Fastify\'s pluginTimeout); start-up fails past it'),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),

  MONGODB_URL: Type.String({ minLength: 1, pattern: '^mongodb(\\+srv)?://', description: 'database name in the path' }),
  MONGODB_MAX_POOL_SIZE: Type.Integer({ minimum: 1, default: 50 }),
  MONGODB_MIN_POOL_SIZE: Type.Integer({ minimum: 0, default: 0 }),
  MONGODB_QUERY_TIMEOUT_MS: Milliseconds(5_000, 'maxTimeMS on every operation'),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: Milliseconds(1_500, 'how long an operation waits for a reachable server; below 2 s, so a request during an outage answers 503 within 2 s'),
  MONGODB_CONNECT_TIMEOUT_MS: Milliseconds(2_000, 'TCP + handshake limit'),
  MONGODB_WAIT_QUEUE_TIMEOUT_MS: Milliseconds(2_000, 'how long an operation waits for a pooled connection'),
  MONGODB_SLOW_QUERY_MS: Milliseconds(500, 'commands slower than this are logged by shape'),

  DATABASE_URL: Type.String({ minLength: 1, pattern: '^postgres(ql)?://' }),
  PG_POOL_MAX: Type.Integer({ minimum: 2, default: 10 }),
  PG_STATEMENT_TIMEOUT_MS: Milliseconds(5_000, 'statement_timeout on every PostgreSQL connection'),
  PG_CONNECT_TIMEOUT_MS: Milliseconds(2_000, 'connect and pool-wait limit'),

  REDIS_URL: Type.String({ minLength: 1, pattern: '^rediss?://' }),
  REDIS_KEY_PREFIX: Type.String({ default: 'haven:', pattern: '^[^{}]*$', description: 'no braces: on a Redis Cluster they would make the prefix every key\'s hash tag' }),
  CACHE_OP_TIMEOUT_MS: Milliseconds(1_000, 'time limit of one Redis command'),

  // --- Redis Cluster (issue 12): REDIS_URL then lists the cluster's seed nodes ---
  REDIS_CLUSTER: Type.Boolean({ default: false, description: 'REDIS_URL lists seed nodes of a Redis Cluster: redis://[user:password@]host:port,host:port,...' }),
  REDIS_CLUSTER_NAT_MAP: Type.String({
    default: '',
    description: 'Redis Cluster only: announced=reachable host:port pairs, comma-separated, for nodes that announce addresses this process cannot reach (NAT, containers, tunnels)'
  }),

  CACHE_L1_MAX: Type.Integer({ minimum: 1, default: 5_000, description: 'entries in each instance\'s in-process cache' }),
  CACHE_L1_TTL_MS: Milliseconds(5_000, 'in-process cache lifetime; writes invalidate it at once through Redis pub/sub'),
  CACHE_L2_TTL_MS: Milliseconds(60_000, 'Redis cache: fresh for this long'),
  CACHE_L2_STALE_MS: Milliseconds(300_000, 'Redis cache: then served stale while recomputed, for this long'),
  CACHE_BREAKER_RESET_MS: Milliseconds(5_000, 'after Redis failures, how long the cache bypasses it before trying again'),
  CACHE_AGENCY_MAX_ENTRIES: Type.Integer({ minimum: 1, maximum: 1_000, default: 16, description: 'dashboard variants one agency may hold in each cache level (L1 and Redis)' }),

  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 1_000, description: 'requests per window per client' }),
  RATE_LIMIT_WINDOW_MS: Milliseconds(60_000, 'rate-limit window'),
  RATE_LIMIT_AGENCY_MAX: Type.Integer({ minimum: 1, default: 5_000, description: 'requests per RATE_LIMIT_WINDOW_MS of all of an agency\'s users together' }),

  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 60, description: 'mean event-loop delay over a second; 0 disables (measured: see .env.example)' }),
  PRESSURE_MAX_EVENT_LOOP_UTILIZATION: Type.Number({ minimum: 0, maximum: 1, default: 0, description: '0 disables (the default: utilisation says busy, not slow)' }),
  PRESSURE_MAX_HEAP_USED_BYTES: Type.Integer({ minimum: 0, default: 0, description: 'V8 heap in use; 0 disables (PRESSURE_MAX_HEAP_FRACTION then applies)' }),
  PRESSURE_MAX_HEAP_FRACTION: Type.Number({ minimum: 0, maximum: 1, default: 0.8, description: 'V8 heap in use as a share of its limit (npm start: 256 MiB old space); 0 disables' }),
  PRESSURE_MAX_RSS_BYTES: Type.Integer({ minimum: 0, default: 0, description: '0 disables' }),
  PRESSURE_MAX_MONGO_WAITING: Type.Integer({ minimum: 0, default: 50, description: 'operations waiting for a pooled MongoDB connection above which new requests are shed; 0 disables' }),
  PRESSURE_RETRY_AFTER_S: Type.Integer({ minimum: 1, default: 10 }),
  HEALTH_CHECK_INTERVAL_MS: Milliseconds(2_000, 'how often dependencies are probed for load shedding'),
  HEALTH_PROBE_TIMEOUT_MS: Milliseconds(1_000, 'time limit of one dependency probe'),

  JWT_SECRET: Type.String({ minLength: 32, description: 'HMAC key of access tokens (HS256); at least 32 characters' }),
  ACCESS_TOKEN_TTL_S: Type.Integer({ minimum: 60, maximum: 86_400, default: 900 }),
  REFRESH_TOKEN_TTL_S: Type.Integer({ minimum: 3_600, default: 2_592_000 }),
  PASSWORD_HASH_MEMORY_KIB: Type.Integer({ minimum: 1_024, default: 19_456, description: 'argon2id memory cost (OWASP: 19 MiB)' }),
  LOGIN_MAX_PER_ADDRESS: Type.Integer({ minimum: 1, default: 30, description: 'login, signup and refresh attempts per client address per LOGIN_WINDOW_MS' }),
  LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: Type.Integer({ minimum: 1, default: 5, description: 'failed logins of one email from one address before that address waits out LOGIN_WINDOW_MS' }),
  LOGIN_DELAY_AFTER_FAILURES: Type.Integer({ minimum: 1, default: 10, description: 'failed logins of one email (all addresses) before each further failure delays the next attempt' }),
  LOGIN_DELAY_BASE_MS: Milliseconds(1_000, 'first delay after LOGIN_DELAY_AFTER_FAILURES failures; it doubles with each further failure'),
  LOGIN_DELAY_MAX_MS: Milliseconds(300_000, 'longest delay between attempts for one email'),
  LOGIN_WINDOW_MS: Milliseconds(900_000, 'login limits: failures are forgotten after this long without one'),
  SESSION_REVOCATION_POLL_MS: Milliseconds(2_000, 'while Redis pub/sub is down, how often an instance re-reads revoked sessions from MongoDB'),

  HAVEN_UNOPTIMISED: Type.Boolean({
    default: false,
    description: 'benchmark baseline only (npm run bench): cache off, rollups off, lists served without secondary indexes'
  }),

  // --- operators' view: /ops/, /metrics and the cross-instance performance report ---
  OPS_TOKEN: Type.String({
    default: '',
    pattern: '^([\\x21-\\x7e]{32,})?$',
    description: 'the platform operator\'s bearer token for /ops/ and /metrics (32+ printable characters); empty: both answer 404 to everyone'
  }),
  METRICS_PUBLIC: Type.Boolean({ default: false, description: '/metrics without the operator token, for a private scrape network only' }),
  OBSERVABILITY: Type.Enum(['full', 'metrics', 'off'], {
    default: 'full',
    description: 'full: metrics and the report\'s per-minute aggregates; metrics: no aggregates; off: no per-request metrics either (the bench\'s cost baseline)'
  }),
  OPS_AGGREGATE_INTERVAL_MS: Type.Integer({ minimum: 1_000, maximum: 60_000, default: 60_000, description: 'how often a process writes its aggregates to PostgreSQL' }),
  OPS_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 90, default: 7, description: 'how long the aggregates are kept (their hourly roll-ups)' }),
  OPS_MINUTE_RETENTION_HOURS: Type.Integer({
    minimum: 25,
    maximum: 2_160,
    default: 48,
    description: 'how long the per-minute aggregates and their ten-minute roll-ups are kept once rolled up further (the 24-hour report reads ten-minute rows)'
  }),
  PROMETHEUS_URL: Type.String({ default: '', pattern: '^(https?://.+)?$', description: 'Prometheus the report asks for active and fired alerts; empty: the report has none' }),

  WORKER_CONCURRENCY: Type.Integer({ minimum: 1, default: 4 }),
  WORKER_POLL_INTERVAL_MS: Milliseconds(2_000, 'fallback poll; jobs are normally picked up via LISTEN/NOTIFY'),
  SHUTDOWN_GRACE_MS: Milliseconds(25_000, 'drain limit for requests and running jobs'),

  // --- background jobs, exports, imports, notifications (issue 10) ---
  JOB_POLL_RETRY_AFTER_S: Type.Integer({ minimum: 1, default: 2, description: 'Retry-After of GET /v1/jobs/:id while a job is unfinished' }),
  JOB_EVENTS_HEARTBEAT_MS: Milliseconds(15_000, 'keep-alive comment interval of job event streams'),
  JOB_EVENTS_MAX_PER_USER: Type.Integer({ minimum: 1, maximum: 1_000, default: 10, description: 'job event streams one user may hold open on one API process' }),
  JOB_EVENTS_MAX_PER_PROCESS: Type.Integer({ minimum: 1, maximum: 100_000, default: 1_000, description: 'job event streams one API process holds open at most' }),
  JOB_PROGRESS_INTERVAL_MS: Milliseconds(1_000, 'a running job writes its progress at most this often'),
  JOB_FILE_RETENTION_HOURS: Type.Integer({ minimum: 1, default: 168, description: 'export files and import reports are deleted (job expired) after this' }),
  DOWNLOAD_LINK_TTL_S: Type.Integer({ minimum: 60, default: 900, description: 'signed download links stay valid between half of this and this' }),
  EXPORT_BATCH_SIZE: Type.Integer({ minimum: 10, maximum: 10_000, default: 1_000, description: 'rows per cursor batch; progress, cancellation and a yield of the event loop between batches' }),
  EXPORT_XLSX_SHEET_ROWS: Type.Integer({ minimum: 2, maximum: 1_048_575, default: 1_000_000, description: 'data rows per XLSX sheet before the next sheet starts' }),
  EXPORT_READ_PREFERENCE: Type.Enum(['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'], { default: 'secondaryPreferred', description: 'where export cursors read (a replica set\'s secondaries keep the load off the primary)' }),
  EXPORT_QUERY_TIMEOUT_MS: Milliseconds(600_000, 'maxTimeMS of an export cursor (its whole run on the server)'),
  EXPORT_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 25, default: 4, description: 'attempts of an export or import before it fails' }),
  EXPORT_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 10, description: 'export and import creations per user per EXPORT_RATE_LIMIT_WINDOW_MS' }),
  EXPORT_RATE_LIMIT_WINDOW_MS: Milliseconds(60_000, 'export creation rate-limit window'),
  IMPORT_MAX_BYTES: Type.Integer({ minimum: 1_024, default: 10_485_760, description: 'largest CSV file POST /v1/imports accepts' }),
  IMPORT_MAX_ROWS: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000, description: 'data rows a CSV file of POST /v1/imports may hold; a file with more answers 400 TOO_MANY_ROWS' }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000, description: 'deadline of one webhook delivery attempt: resolving, connecting, sending and the whole answer together' }),
  WEBHOOK_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 32, default: 4, description: 'webhook deliveries at once per worker process, in slots of their own beside WORKER_CONCURRENCY (and PostgreSQL connections of their own, one more than this at most)' }),
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 25, default: 10, description: 'delivery attempts of one webhook event' }),
  WEBHOOK_ALLOW_PRIVATE_URLS: Type.Boolean({ default: false, description: 'development and tests only: webhook URLs may be http:// and point at loopback, link-local or private addresses' }),
  WORKER_HEARTBEAT_INTERVAL_MS: Milliseconds(10_000, 'how often a worker process records that it is alive'),
  WORKER_DEAD_AFTER_MS: Milliseconds(60_000, 'jobs locked by a worker silent for longer are unlocked and retried'),

  // --- scale-out (issue 12) ---
  SHUTDOWN_DRAIN_MS: Type.Integer({ minimum: 0, default: 5_000, description: 'on SIGTERM, readiness is false this long before the app closes, so the load balancer stops sending (0: close at once)' }),

  // --- job history retention (issue 10, follow-up) ---
  JOB_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3_650, default: 90, description: 'finished jobs (with their notifications and webhook deliveries) are deleted this long after they finished, once their files are gone' }),
  NOTIFICATION_RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 3_650, default: 30, description: 'in-app notifications, read or not, are deleted this long after they were made' })
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

interface AjvError { instancePath: string, message?: string, params: Record<string, unknown> }

// Start-up errors reach the logs: they never show the value of a secret, nor of a URL (a database
// or Redis URL may carry a user and password). The variable's name and the rule say what to fix.
const MAY_HOLD_CREDENTIALS = /SECRET|TOKEN|PASSWORD|_KEY$|_URL$/

// env-schema's message lists every error in one blob; operators need the variable's name first.
function describe (error: AjvError, env: Record<string, unknown>): string {
  const name = String(error.params.missingProperty ?? error.instancePath.replace(/^\//, ''))
  const value = env[name]
  const got = value === undefined
    ? 'it is not set'
    : MAY_HOLD_CREDENTIALS.test(name) ? 'the value is not shown: it may hold a credential' : `got ${JSON.stringify(value)}`
  return `Invalid configuration: ${name} ${error.message ?? 'is invalid'} (${got})`
}

// proxy-addr's names for address ranges, accepted in a TRUST_PROXY list.
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

function isProxyAddress (entry: string): boolean {
  if (PROXY_RANGES.has(entry)) return true
  const [address = '', prefix, ...rest] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
}

/**
 * Fastify's trustProxy from TRUST_PROXY: false, a hop count (the client is the
 * address that many proxies before this process), or the proxies' addresses.
 * Never "trust every hop": a client would then pick its own address with an
 * X-Forwarded-For header and escape every per-address limit. A hop count is
 * passed as a function: Fastify 5.12 ignores X-Forwarded-For for a plain number,
 * since a count cannot tell its proxies from a client that connects directly
 * (which is why addresses are the safer setting).
 */
export function trustProxySetting (value: string): false | string[] | ((address: string, hop: number) => boolean) {
  const setting = value.trim()
  if (setting === 'false' || setting === '' || setting === '0') return false
  if (/^\d+$/.test(setting)) {
    const hops = Number(setting)
    return (_address, hop) => hop < hops
  }
  const entries = setting.split(',').map((entry) => entry.trim())
  const bad = setting === 'true' ? 'true' : entries.find((entry) => !isProxyAddress(entry))
  if (bad !== undefined) {
    throw new ConfigError(`Invalid configuration: TRUST_PROXY must be false, the number of proxies in front of the API, or their addresses (IPs or CIDRs, comma-separated); "${bad}" is not (trusting every hop would let a client choose its own address)`)
  }
  return entries
}

export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  let config: Config
  try {
    config = envSchema<Config>({ schema: ConfigSchema, data: env, env: false })
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors
    if (errors?.[0] !== undefined) throw new ConfigError(describe(errors[0], env))
    throw err
  }
  trustProxySetting(config.TRUST_PROXY)
  redisTarget(config)
  return config
}

// --- Redis Cluster (issue 12) ---

export interface RedisNode { host: string, port: number }
export interface RedisClusterTarget {
  mode: 'cluster'
  /** seed nodes: the client learns the others from them */
  nodes: RedisNode[]
  username?: string
  password?: string
  tls: boolean
  /** "announced-host:port" → where this process reaches that node */
  natMap: Record<string, RedisNode>
}
export type RedisTarget = { mode: 'standalone', url: string } | RedisClusterTarget

const CLUSTER_URL = /^(rediss?):\/\/(?:([^@/?#]*)@)?([^/?#@]+)(?:\/0?)?$/
const NODE = /^(?:\[([0-9a-f:.]+)\]|([^\s:/?#@[\],]+))(?::(\d{1,5}))?$/i

/** `shownAs`: how an error names the entry (a part of REDIS_URL is not shown, like the rest of it). */
function redisNode (text: string, variable: string, shownAs = `"${text}"`): RedisNode {
  const match = NODE.exec(text.trim())
  const port = Number(match?.[3] ?? 6379)
  if (match === null || port < 1 || port > 65535) throw new ConfigError(`Invalid configuration: ${variable}: ${shownAs} is not host:port`)
  return { host: match[1] ?? match[2]!, port }
}

/**
 * Where Redis is, from REDIS_URL: one server (the URL as ioredis reads it), or
 * with REDIS_CLUSTER=true a Redis Cluster, whose seed nodes the URL lists the
 * way MongoDB URLs list hosts (rediss://user:password@10.0.0.1:6379,10.0.0.2:6379);
 * the client learns the other nodes from them. Credentials and TLS apply to every
 * node; a cluster has only database 0.
 */
export function redisTarget (config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER' | 'REDIS_CLUSTER_NAT_MAP'>): RedisTarget {
  const severalHosts = /^rediss?:\/\/(?:[^@/?#]*@)?[^/?#]*,/.test(config.REDIS_URL)
  if (!config.REDIS_CLUSTER) {
    if (severalHosts) throw new ConfigError('Invalid configuration: REDIS_URL lists several hosts; for a Redis Cluster set REDIS_CLUSTER=true')
    if (config.REDIS_CLUSTER_NAT_MAP !== '') throw new ConfigError('Invalid configuration: REDIS_CLUSTER_NAT_MAP applies to a Redis Cluster only (REDIS_CLUSTER=true)')
    return { mode: 'standalone', url: config.REDIS_URL }
  }
  const match = CLUSTER_URL.exec(config.REDIS_URL)
  if (match === null) throw new ConfigError('Invalid configuration: REDIS_URL must be redis:// or rediss://[user:password@]host:port[,host:port...] for a Redis Cluster (no database but 0, no options)')
  const [, scheme, userinfo, hosts = ''] = match
  const [user = '', ...secret] = (userinfo ?? '').split(':')
  const natMap: Record<string, RedisNode> = {}
  for (const pair of config.REDIS_CLUSTER_NAT_MAP.split(',').filter((entry) => entry.trim() !== '')) {
    const [from = '', to, ...rest] = pair.split('=')
    if (to === undefined || rest.length > 0) throw new ConfigError(`Invalid configuration: REDIS_CLUSTER_NAT_MAP: "${pair}" is not announced-host:port=reachable-host:port`)
    const announced = redisNode(from, 'REDIS_CLUSTER_NAT_MAP')
    natMap[`${announced.host}:${announced.port}`] = redisNode(to, 'REDIS_CLUSTER_NAT_MAP')
  }
  return {
    mode: 'cluster',
    nodes: hosts.split(',').map((host, index) => redisNode(host, 'REDIS_URL', `seed node ${index + 1}`)),
    ...(user !== '' ? { username: decodeURIComponent(user) } : {}),
    ...(secret.length > 0 ? { password: decodeURIComponent(secret.join(':')) } : {}),
    tls: scheme === 'rediss',
    natMap
  }
}
