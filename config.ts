// Configuration comes only from the environment, validated once at start-up.
// Every variable is listed with its default and meaning in .env.example.
import { envSchema } from 'env-schema'
import { Type, type Static } from 'typebox'

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
  TRUST_PROXY: Type.Boolean({ default: false, description: 'trust X-Forwarded-* from the load balancer' }),
  CORS_ORIGINS: Type.String({ default: '', description: 'comma-separated allowed origins; empty disables CORS' }),

  REQUEST_TIMEOUT_MS: Milliseconds(30_000, 'whole-request time limit'),
  CONNECTION_TIMEOUT_MS: Milliseconds(30_000, 'socket inactivity limit'),
  KEEP_ALIVE_TIMEOUT_MS: Milliseconds(72_000, 'idle keep-alive; above the load balancer idle timeout'),
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
  REDIS_KEY_PREFIX: Type.String({ default: 'haven:' }),
  CACHE_OP_TIMEOUT_MS: Milliseconds(1_000, 'time limit of one Redis command'),

  CACHE_L1_MAX: Type.Integer({ minimum: 1, default: 5_000, description: 'entries in each instance\'s in-process cache' }),
  CACHE_L1_TTL_MS: Milliseconds(5_000, 'in-process cache lifetime; writes invalidate it at once through Redis pub/sub'),
  CACHE_L2_TTL_MS: Milliseconds(60_000, 'Redis cache: fresh for this long'),
  CACHE_L2_STALE_MS: Milliseconds(300_000, 'Redis cache: then served stale while recomputed, for this long'),
  CACHE_BREAKER_RESET_MS: Milliseconds(5_000, 'after Redis failures, how long the cache bypasses it before trying again'),

  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 1_000, description: 'requests per window per client' }),
  RATE_LIMIT_WINDOW_MS: Milliseconds(60_000, 'rate-limit window'),

  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 60, description: 'mean event-loop delay over a second; 0 disables (measured: see .env.example)' }),
  PRESSURE_MAX_EVENT_LOOP_UTILIZATION: Type.Number({ minimum: 0, maximum: 1, default: 0, description: '0 disables (the default: utilisation says busy, not slow)' }),
  PRESSURE_MAX_HEAP_USED_BYTES: Type.Integer({ minimum: 0, default: 0, description: 'V8 heap in use; 0 disables (PRESSURE_MAX_HEAP_FRACTION then applies)' }),
  PRESSURE_MAX_HEAP_FRACTION: Type.Number({ minimum: 0, maximum: 1, default: 0.8, description: 'V8 heap in use as a share of its limit (npm start: 256 MiB old space); 0 disables' }),
  PRESSURE_MAX_RSS_BYTES: Type.Integer({ minimum: 0, default: 0, description: '0 disables' }),
  PRESSURE_RETRY_AFTER_S: Type.Integer({ minimum: 1, default: 10 }),
  HEALTH_CHECK_INTERVAL_MS: Milliseconds(2_000, 'how often dependencies are probed for load shedding'),
  HEALTH_PROBE_TIMEOUT_MS: Milliseconds(1_000, 'time limit of one dependency probe'),

  JWT_SECRET: Type.String({ minLength: 32, description: 'HMAC key of access tokens (HS256); at least 32 characters' }),
  ACCESS_TOKEN_TTL_S: Type.Integer({ minimum: 60, maximum: 86_400, default: 900 }),
  REFRESH_TOKEN_TTL_S: Type.Integer({ minimum: 3_600, default: 2_592_000 }),
  PASSWORD_HASH_MEMORY_KIB: Type.Integer({ minimum: 1_024, default: 19_456, description: 'argon2id memory cost (OWASP: 19 MiB)' }),
  LOGIN_MAX_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 10, description: 'login attempts per email per LOGIN_WINDOW_MS' }),
  LOGIN_MAX_PER_ADDRESS: Type.Integer({ minimum: 1, default: 30, description: 'login and signup attempts per client address per LOGIN_WINDOW_MS' }),
  LOGIN_WINDOW_MS: Milliseconds(900_000, 'login rate-limit window'),

  HAVEN_UNOPTIMISED: Type.Boolean({
    default: false,
    description: 'benchmark baseline only (npm run bench): cache off, rollups off, lists served without secondary indexes'
  }),

  WORKER_CONCURRENCY: Type.Integer({ minimum: 1, default: 4 }),
  WORKER_POLL_INTERVAL_MS: Milliseconds(2_000, 'fallback poll; jobs are normally picked up via LISTEN/NOTIFY'),
  SHUTDOWN_GRACE_MS: Milliseconds(25_000, 'drain limit for requests and running jobs'),

  // --- scale-out (issue 12) ---
  SHUTDOWN_DRAIN_MS: Type.Integer({ minimum: 0, default: 5_000, description: 'on SIGTERM, readiness is false this long before the app closes, so the load balancer stops sending (0: close at once)' })
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

interface AjvError { instancePath: string, message?: string, params: Record<string, unknown> }

// env-schema's message lists every error in one blob; operators need the variable's name first.
function describe (error: AjvError, env: Record<string, unknown>): string {
  const name = error.params.missingProperty ?? error.instancePath.replace(/^\//, '')
  const value = env[String(name)]
  const got = value === undefined ? 'it is not set' : `got ${JSON.stringify(value)}`
  return `Invalid configuration: ${String(name)} ${error.message ?? 'is invalid'} (${got})`
}

export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  try {
    return envSchema<Config>({ schema: ConfigSchema, data: env, env: false })
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors
    if (errors?.[0] !== undefined) throw new ConfigError(describe(errors[0], env))
    throw err
  }
}
