import { test } from 'tap'
import { build } from '../helper.ts'
import { scrape } from '../support/scrape.ts'

test('/metrics exposes the route histogram and the MongoDB command histogram', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'GET', url: '/health/ready' })
  await app.mongo.db!.collection('things').findOne({ agencyId: 'a' }, { maxTimeMS: 1000 })

  const response = await scrape(app)
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/plain/)
  const body = response.body
  t.match(body, /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/health\/ready",status_code="200"\} \d+/)
  t.match(body, /haven_mongodb_command_duration_seconds_count\{collection="things",command="find",outcome="ok"\} 1/)
  t.match(body, /haven_mongodb_pool_connections\{address="[^"]+",state="open"\} [1-9]/)
  t.match(body, /process_resident_memory_bytes \d+/, 'process metrics')
  t.match(body, /haven_job_queue_depth\{state="ready"\} 0/)
  t.notMatch(body, /http_request_summary_seconds/, 'no summaries')
  t.notMatch(body, /route="\/metrics"/, 'the scrape itself is not measured')
})

test('a slow MongoDB command is logged by shape, never with its values', async (t) => {
  const lines: string[] = []
  const app = await build(t, {
    env: { MONGODB_SLOW_QUERY_MS: '1', LOG_LEVEL: 'warn' },
    server: { logger: { level: 'warn', stream: { write: (line: string) => { lines.push(line) } } } }
  })
  const secret = 'tenant-secret-value'
  const things = app.mongo.db!.collection('things')
  await things.insertMany(Array.from({ length: 2000 }, (_, i) => ({ agencyId: secret, n: i })))
  await things.find({ agencyId: secret, n: { $gte: 10 } }, { maxTimeMS: 1000 }).sort({ n: -1 }).limit(5).toArray()

  const slow = lines.map((line) => JSON.parse(line) as { msg: string, slowQuery?: { collection: string, command: string, shape: unknown } })
    .filter((entry) => entry.msg === 'slow MongoDB command' && entry.slowQuery?.collection === 'things' && entry.slowQuery.command === 'find')
  t.ok(slow.length >= 1, 'the find was logged as slow')
  t.same(slow[0]!.slowQuery!.shape, { filter: { agencyId: '?', n: { $gte: '?' } }, sort: { n: -1 }, projection: [] })
  t.notOk(lines.some((line) => line.includes(secret)), 'no value reaches the log')
})
