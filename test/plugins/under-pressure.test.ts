import { test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { build } from '../helper.ts'
import { scrape } from '../support/scrape.ts'

test('under pressure the API sheds load with 503 + Retry-After, but liveness and metrics answer', async (t) => {
  // A 1-byte heap limit is always exceeded once the first sample is taken.
  const app = await build(t, { env: { PRESSURE_MAX_HEAP_USED_BYTES: '1', PRESSURE_RETRY_AFTER_S: '7' } })
  let shed = await app.inject({ method: 'GET', url: '/docs/json' })
  for (let i = 0; i < 30 && shed.statusCode !== 503; i++) {
    await sleep(100)
    shed = await app.inject({ method: 'GET', url: '/docs/json' })
  }
  t.equal(shed.statusCode, 503)
  t.equal(shed.headers['retry-after'], '7')
  t.equal(shed.json().code, 'OVERLOADED')

  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
  t.equal((await scrape(app)).statusCode, 200)
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.json().overloaded, true)
})
