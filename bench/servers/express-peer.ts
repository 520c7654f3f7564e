// The peer: what a team would usually build instead of Haven's pipeline, serving the same cached
// dashboard body: Express 5 with jsonwebtoken (HS256, issuer checked), express-rate-limit
// counting in Redis (rate-limit-redis, a round trip per request), a prom-client duration
// histogram per route, and helmet's headers. The harness gives it the body Haven served, the
// signing key and Redis. Run by the harness: PORT=… JWT_SECRET=… REDIS_URL=… DASHBOARD_BODY_FILE=… node this.
import { readFileSync } from 'node:fs'
import express, { type NextFunction, type Request, type Response } from 'express'
import { rateLimit } from 'express-rate-limit'
import helmet from 'helmet'
import jwt from 'jsonwebtoken'
import client from 'prom-client'
import { RedisStore, type RedisReply } from 'rate-limit-redis'
import { Redis } from 'ioredis'

const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set`)
  return value
}
const secret = env('JWT_SECRET')
const body = readFileSync(env('DASHBOARD_BODY_FILE'), 'utf8')
const redis = new Redis(env('REDIS_URL'), { keyPrefix: process.env.REDIS_KEY_PREFIX ?? 'peer:', enableAutoPipelining: true })

const registry = new client.Registry()
client.collectDefaultMetrics({ register: registry })
const duration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'request duration by route',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry]
})

interface Claims { sub: string, agency: string, role: string }
type Authed = Request & { user?: Claims }

const app = express()
app.disable('x-powered-by')
app.use(helmet())
app.use((req, res, next) => {
  const end = duration.startTimer()
  res.on('finish', () => end({ method: req.method, route: req.route?.path ?? 'unknown', status_code: String(res.statusCode) }))
  next()
})
app.get('/metrics', async (_req, res) => {
  res.set('content-type', registry.contentType).send(await registry.metrics())
})
const authenticate = (req: Authed, res: Response, next: NextFunction) => {
  const header = req.headers.authorization ?? ''
  try {
    req.user = jwt.verify(header.replace(/^Bearer /, ''), secret, { algorithms: ['HS256'], issuer: 'haven-api' }) as Claims
    next()
  } catch {
    res.status(401).json({ code: 'UNAUTHORIZED' })
  }
}
const limiter = rateLimit({
  windowMs: 60_000,
  // Like Haven in the bench: counted on every request, never refusing.
  limit: 1_000_000_000,
  standardHeaders: 'draft-7',
  legacyHeaders: false,
  keyGenerator: (req: Authed) => `user:${req.user?.sub ?? 'anonymous'}`,
  store: new RedisStore({ sendCommand: async (command: string, ...args: string[]) => await redis.call(command, ...args) as RedisReply })
})
app.get('/v1/dashboard', authenticate, limiter, (_req, res) => {
  res.set('cache-control', 'private, no-cache').type('application/json').send(body)
})

const server = app.listen(Number(env('PORT')), '127.0.0.1')
process.on('SIGTERM', () => server.close(() => { redis.disconnect(); process.exit(0) }))
