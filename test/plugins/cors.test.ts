// CORS: none by default; npm run dev's origins admit a local front end, whose
// preflights may send the headers the API reads and whose scripts may read the
// headers it answers with.
import { test } from 'tap'
import { DEV_CORS_ORIGINS } from '../../config.ts'
import { build } from '../helper.ts'
import { signup } from '../support/session.ts'

const FRONT_END = 'http://localhost:5173'
const preflight = (origin: string) => ({
  method: 'OPTIONS' as const,
  url: '/v1/properties',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key, last-event-id, if-none-match' }
})

test('development admits a local front end', async (t) => {
  const app = await build(t, { env: { NODE_ENV: 'development', CORS_ORIGINS: DEV_CORS_ORIGINS } })
  for (const origin of ['http://localhost:5173', 'http://127.0.0.1:5173', 'http://localhost:3000', 'http://localhost:4173', 'http://localhost:8080']) {
    t.ok(DEV_CORS_ORIGINS.split(',').includes(origin), `${origin} is a dev origin`)
  }

  const answer = await app.inject(preflight(FRONT_END))
  t.equal(answer.statusCode, 204, 'the preflight succeeds')
  t.equal(answer.headers['access-control-allow-origin'], FRONT_END)
  const allowed = String(answer.headers['access-control-allow-headers']).split(/,\s*/)
  for (const header of ['authorization', 'content-type', 'idempotency-key', 'last-event-id', 'if-none-match']) t.ok(allowed.includes(header), `${header} may be sent`)
  t.match(answer.headers['access-control-allow-methods'], /POST/)

  const owner = await signup(app, 'Cors Agency')
  const created = await owner.post('/v1/properties', { name: 'Cross Origin House', kind: 'residential', address: { line1: '1 Port St', city: 'Hull', postalCode: 'HU1 1AA', country: 'GB' } }, { origin: FRONT_END })
  t.equal(created.statusCode, 201)
  t.equal(created.headers['access-control-allow-origin'], FRONT_END)
  const exposed = String(created.headers['access-control-expose-headers']).split(/,\s*/)
  for (const header of ['etag', 'location', 'retry-after', 'idempotent-replayed', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-request-id']) t.ok(exposed.includes(header), `${header} is readable`)

  const stranger = await app.inject(preflight('https://evil.example'))
  t.equal(stranger.headers['access-control-allow-origin'], undefined, 'another origin is not admitted')
})

test('production admits no origin unless configured', async (t) => {
  const app = await build(t)
  t.equal(app.config.CORS_ORIGINS, '', 'the default is empty')
  const answer = await app.inject(preflight(FRONT_END))
  t.equal(answer.headers['access-control-allow-origin'], undefined)
  t.not(answer.statusCode, 204)
})
