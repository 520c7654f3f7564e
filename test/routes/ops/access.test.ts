// Who may see the operator's views: only the bearer of OPS_TOKEN. Everyone else,
// an agency's owner included, gets exactly what a route that does not exist gets.
import { test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { build, type App } from '../../helper.ts'
import { signup } from '../../support/session.ts'
import { operatorHeaders } from '../../support/operator.ts'

const OPS_PATHS = ['/ops/', '/ops', '/ops/performance', '/ops/performance?window=24h', '/ops/cache-stats', '/ops/indexes', '/ops/pools', '/metrics']

/** A not-found answer without what differs per request (its id, and the path it names). */
function shapeOf (response: LightMyRequestResponse) {
  const body = response.json()
  return {
    statusCode: response.statusCode,
    headers: Object.keys(response.headers).filter((name) => !['date', 'content-length', 'etag'].includes(name)).sort(),
    contentType: response.headers['content-type'],
    body: { ...body, requestId: typeof body.requestId, message: body.message.replace(/ \/\S*$/, ' <path>') }
  }
}

async function notFoundShape (app: App, method = 'GET') {
  return shapeOf(await app.inject({ method: method as 'GET', url: '/ops/no-such-route' }))
}

test('anonymous callers, agency users and wrong tokens get the not-found answer; the operator gets the views', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Curious Lettings')
  const expected = await notFoundShape(app)
  t.equal(expected.statusCode, 404)
  t.equal(expected.body.code, 'NOT_FOUND')

  const strangers: Array<[string, Record<string, string>]> = [
    ['anonymous', {}],
    ['an agency owner', { authorization: `Bearer ${owner.accessToken}` }],
    ['a wrong token', { authorization: `Bearer ${'x'.repeat(43)}` }],
    ['the token in another scheme', { authorization: `Basic ${app.config.OPS_TOKEN}` }],
    ['the token with a character more', { authorization: `Bearer ${app.config.OPS_TOKEN}x` }]
  ]
  for (const url of OPS_PATHS) {
    for (const [who, headers] of strangers) {
      const response = await app.inject({ method: 'GET', url, headers })
      t.same(shapeOf(response), expected, `${who} on ${url}: the not-found answer`)
      t.equal(response.json().message, `No route GET ${url.split('?')[0]}`, `${who} on ${url}: names the path like any unknown route`)
    }
    const operator = await app.inject({ method: 'GET', url, headers: operatorHeaders(app) })
    t.equal(operator.statusCode, 200, `the operator on ${url}`)
  }
  // Writes and other methods on these paths are unknown routes too, for everyone.
  const post = await app.inject({ method: 'POST', url: '/ops/performance', headers: operatorHeaders(app) })
  t.equal(post.statusCode, 404)

  const docs = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  t.notOk(Object.keys(docs.paths).some((path) => path.startsWith('/ops') || path === '/metrics'), 'the public API document does not list them')
})

test('/ops/ answers nobody without OPS_TOKEN; METRICS_PUBLIC opens /metrics alone', async (t) => {
  const closed = await build(t, { env: { OPS_TOKEN: '' } })
  for (const url of OPS_PATHS) {
    t.equal((await closed.inject({ method: 'GET', url, headers: { authorization: 'Bearer ' } })).statusCode, 404, `${url} closed to everyone`)
  }
  const open = await build(t, { env: { METRICS_PUBLIC: 'true' } })
  const metrics = await open.inject({ method: 'GET', url: '/metrics' })
  t.equal(metrics.statusCode, 200, '/metrics without a token')
  t.match(metrics.body, /process_resident_memory_bytes/)
  t.equal((await open.inject({ method: 'GET', url: '/ops/performance' })).statusCode, 404, 'the /ops/ views stay the operator\'s')
})

test('a short or non-printable OPS_TOKEN is refused at start-up', async (t) => {
  const { loadConfig } = await import('../../../config.ts')
  const base = { MONGODB_URL: 'mongodb://127.0.0.1:1/h', DATABASE_URL: 'postgres://127.0.0.1:1/h', REDIS_URL: 'redis://127.0.0.1:1', JWT_SECRET: 'x'.repeat(32) }
  t.throws(() => loadConfig({ ...base, OPS_TOKEN: 'short' }), /OPS_TOKEN must match pattern/)
  t.throws(() => loadConfig({ ...base, OPS_TOKEN: `${'a'.repeat(32)} b` }), /OPS_TOKEN must match pattern/)
  t.equal(loadConfig({ ...base, OPS_TOKEN: 'a'.repeat(32) }).OPS_TOKEN, 'a'.repeat(32))
})
