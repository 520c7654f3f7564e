// An import file built to exhaust memory, against Haven as `npm start` runs it (a process of its own
// with the production heap limit): one header line and one row of ten million commas, three uploads
// at once. The process stays up, each upload answers 400 before anything is queued, and another
// agency's requests keep answering 200 meanwhile.
import { test } from 'tap'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { testContext } from '../helper.ts'
import { freePort, startServer } from '../../bench/servers/process.ts'
import { deployedNodeOptions } from '../../bench/servers/haven.ts'
import { PASSWORD, uniqueEmail } from '../support/session.ts'

const root = path.resolve(import.meta.dirname, '..', '..')
const COMMAS = 10_000_000
const BOUNDARY = '----haven-wide-row'

async function signupOver (base: string, agencyName: string): Promise<string> {
  const response = await fetch(`${base}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agencyName, name: 'Olive Owner', email: uniqueEmail('owner'), password: PASSWORD })
  })
  if (response.status !== 201) throw new Error(`signup answered ${response.status}: ${await response.text()}`)
  return ((await response.json()) as { accessToken: string }).accessToken
}

function wideRowUpload (): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="wide.csv"\r\nContent-Type: text/csv\r\n\r\nname,kind\n`),
    Buffer.alloc(COMMAS, ','),
    Buffer.from(`\n\r\n--${BOUNDARY}--\r\n`)
  ])
}

test('three uploads of a ten-million-field row at once: the process stays up, each answers 400, other agencies keep 200', async (t) => {
  const context = await testContext(t)
  const port = await freePort()
  const server = await startServer({
    name: 'haven (import limits)',
    args: [...deployedNodeOptions(), 'server.ts'],
    cwd: root,
    port,
    readyPath: '/health/ready',
    env: {
      PATH: process.env.PATH,
      ...context.env,
      HAVEN_ROLE: 'all',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      // The other agency asks as often as it can while the uploads run: the request budget is not what is tested.
      RATE_LIMIT_MAX: '1000000',
      RATE_LIMIT_AGENCY_MAX: '1000000'
    }
  })
  t.teardown(server.stop)
  const base = server.baseUrl
  const attacker = await signupOver(base, 'Wide Rows Agency')
  const bystander = await signupOver(base, 'Bystander Agency')

  const body = wideRowUpload()
  const uploads = Promise.all([1, 2, 3].map(async () => {
    const response = await fetch(`${base}/v1/imports?resource=properties`, {
      method: 'POST',
      headers: { authorization: `Bearer ${attacker}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body
    }).catch((err: unknown) => ({ status: 0, error: err }))
    return 'json' in response ? { status: response.status, body: await response.json() as { code: string, message: string } } : response
  }))
  let uploading = true
  void uploads.finally(() => { uploading = false })

  const answers: number[] = []
  while (uploading) {
    answers.push(await fetch(`${base}/v1/properties`, { headers: { authorization: `Bearer ${bystander}` } }).then((r) => r.status, () => 0))
    await sleep(20)
  }
  const results = await uploads
  answers.push(await fetch(`${base}/v1/properties`, { headers: { authorization: `Bearer ${bystander}` } }).then((r) => r.status, () => 0))

  t.same(results.map((r) => r.status), [400, 400, 400], 'each upload answers 400', { results, log: server.logTail() })
  for (const result of results) {
    if ('body' in result) t.match(result.body, { code: 'TOO_MANY_FIELDS', message: /^Line 2 holds more than 7 fields/ }, 'naming the limit and the line')
  }
  t.ok(answers.length > 1, `the other agency asked ${answers.length} times meanwhile`)
  t.same([...new Set(answers)], [200], 'and was answered 200 every time', { answers })
  t.equal((await fetch(`${base}/health/live`)).status, 200, 'the process is still up')
  const jobs = await fetch(`${base}/v1/jobs`, { headers: { authorization: `Bearer ${attacker}` } })
  t.same((await jobs.json() as { items: unknown[] }).items, [], 'nothing was queued')
})
