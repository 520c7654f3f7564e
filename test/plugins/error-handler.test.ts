import { test } from 'tap'
import type { FastifyError } from 'fastify'
import { MongoBulkWriteError, MongoError, MongoNetworkError } from 'mongodb'
import { build } from '../helper.ts'
import { errorBody } from '../../plugins/app/error-handler.ts'

test('error bodies', async (t) => {
  const app = await build(t)

  await t.test('an unknown route is a coded 404 with the request id', async (t) => {
    const response = await app.inject({ method: 'GET', url: '/no/such/route?x=1', headers: { 'x-request-id': 'req-123' } })
    t.equal(response.statusCode, 404)
    t.same(response.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: 'No route GET /no/such/route', requestId: 'req-123' })
    t.equal(response.headers['x-request-id'], 'req-123')
  })

  await t.test('a caller\'s x-request-id is kept only when short and plain; otherwise a new id is made', async (t) => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
    const kept = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'lb:7f3a-01.b_c=' } })
    t.equal(kept.headers['x-request-id'], 'lb:7f3a-01.b_c=')
    for (const given of ['x'.repeat(65), 'two words', 'forged\\nline', '"quoted"', '<script>', 'tab\tbed', 'ünïcode']) {
      const response = await app.inject({ method: 'GET', url: '/no/such/route', headers: { 'x-request-id': given } })
      t.match(response.headers['x-request-id'], uuid, `${JSON.stringify(given)} is replaced`)
      t.equal(response.json().requestId, response.headers['x-request-id'], 'the body names the same new id')
    }
    const twice = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': ['a-1', 'b-2'] } })
    t.match(twice.headers['x-request-id'], uuid, 'a repeated header is not a single id')
    const none = await app.inject({ method: 'GET', url: '/health/live' })
    t.match(none.headers['x-request-id'], uuid)
  })

  const fakeReply = () => {
    const headers: Record<string, string> = {}
    return { headers, reply: { header: (name: string, value: string) => { headers[name] = value } } }
  }
  const request = { id: 'r1', server: app } as never

  await t.test('a 5xx hides its details', async (t) => {
    const { reply } = fakeReply()
    const body = errorBody(new Error('connection string has password hunter2') as FastifyError, request, reply as never)
    t.equal(body.statusCode, 500)
    t.equal(body.code, 'INTERNAL_ERROR')
    t.notMatch(body.message, /hunter2/)
  })

  await t.test('an unreachable database is a 503 with Retry-After', async (t) => {
    const { reply, headers } = fakeReply()
    const error = Object.assign(new Error('Server selection timed out after 2000 ms'), { name: 'MongoServerSelectionError' })
    const body = errorBody(error as FastifyError, request, reply as never)
    t.equal(body.statusCode, 503)
    t.equal(body.code, 'DEPENDENCY_UNAVAILABLE')
    t.equal(headers['retry-after'], String(app.config.PRESSURE_RETRY_AFTER_S))
  })

  await t.test('a database past its time limit is a 503 DEPENDENCY_TIMEOUT with Retry-After', async (t) => {
    for (const error of [
      Object.assign(new Error('connection 3 to 127.0.0.1:27017 timed out'), { name: 'MongoNetworkTimeoutError' }),
      Object.assign(new Error('operation exceeded time limit'), { name: 'MongoServerError', code: 50 }),
      Object.assign(new Error('Timed out while checking out a connection from connection pool'), { name: 'WaitQueueTimeoutError' }),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })
    ]) {
      const { reply, headers } = fakeReply()
      const body = errorBody(error as FastifyError, request, reply as never)
      t.equal(body.statusCode, 503, error.message)
      t.equal(body.code, 'DEPENDENCY_TIMEOUT', error.message)
      t.ok(headers['retry-after'], 'Retry-After is set')
    }
  })

  await t.test('a bulk write that failed for a driver reason is a 503 too, a write error is not', async (t) => {
    const network = new MongoBulkWriteError(new MongoNetworkError('Connection to 127.0.0.1:37019 interrupted due to server monitor timeout'), {} as never)
    const poolWait = new MongoBulkWriteError(new MongoError('Timed out while checking out a connection from connection pool'), {} as never)
    for (const [error, code] of [[network, 'DEPENDENCY_UNAVAILABLE'], [poolWait, 'DEPENDENCY_TIMEOUT']] as const) {
      const { reply } = fakeReply()
      const body = errorBody(error as unknown as FastifyError, request, reply as never)
      t.equal(body.statusCode, 503, error.message)
      t.equal(body.code, code, error.message)
    }
    const duplicate = Object.assign(new MongoBulkWriteError({ message: 'E11000 duplicate key error', code: 11000 }, {} as never), { writeErrors: [{ code: 11000 }] })
    t.equal(errorBody(duplicate as unknown as FastifyError, request, fakeReply().reply as never).statusCode, 500, 'a write error is not an outage')
  })

  await t.test('our own codes pass through, framework codes are translated', async (t) => {
    const { reply } = fakeReply()
    const ours = Object.assign(new Error('lease is closed'), { statusCode: 409, code: 'LEASE_CLOSED' })
    t.equal(errorBody(ours as FastifyError, request, reply as never).code, 'LEASE_CLOSED')
    const framework = Object.assign(new Error('Unsupported Media Type'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })
    t.equal(errorBody(framework as FastifyError, request, reply as never).code, 'UNSUPPORTED_MEDIA_TYPE')
  })
})
