// What a failed job tells its client: our own coded errors as they are; a
// driver's or the runtime's error (its message can name an internal address)
// as a stable code and a generic message, in the status route, the event
// stream and the webhook alike, with the detail in the log under the job id.
import { test } from 'tap'
import { MongoNetworkError } from 'mongodb'
import { testContext } from '../helper.ts'
import { signup } from '../support/session.ts'
import { exportJob, waitForJob } from '../support/jobs.ts'
import { waitFor } from '../support/wait-for.ts'
import { httpsReceiver } from '../support/https-receiver.ts'
import { codedError } from '../../plugins/app/error-handler.ts'

const INTERNAL = '10.0.0.5'
const GENERIC = { code: 'JOB_FAILED', message: 'The job failed on our side; its details are in our logs under the job id' }

test('a failed job shows our coded errors as they are, and nothing of a driver\'s', async (t) => {
  const context = await testContext(t)
  const lines: string[] = []
  const app = await context.build({
    env: { HAVEN_ROLE: 'all', WORKER_POLL_INTERVAL_MS: '200', EXPORT_MAX_ATTEMPTS: '1', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
    jobs: { crontab: '' },
    server: { logger: { level: 'error', stream: { write: (line: string) => { lines.push(line) } } } }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const receiver = await httpsReceiver(t, (response) => response.writeHead(204).end())
  const owner = await signup(app, 'Failing Agency')
  t.equal((await owner.request({ method: 'PUT', url: '/v1/agency/webhook', payload: { url: receiver.url } })).statusCode, 201)

  const upload = app.jobFiles.upload
  t.teardown(() => { app.jobFiles.upload = upload })
  const failures = [
    { name: 'a driver error', error: new MongoNetworkError(`connection 4 to ${INTERNAL}:27017 closed`), shown: GENERIC },
    // A system error has a code of capitals too, but it is not one of ours.
    { name: 'a system error', error: Object.assign(new Error(`connect ECONNREFUSED ${INTERNAL}:5432`), { code: 'ECONNREFUSED', address: INTERNAL, port: 5432 }), shown: GENERIC },
    { name: 'our coded error', error: codedError(413, 'PAYLOAD_TOO_LARGE', 'the export is larger than the file store takes'), shown: { code: 'PAYLOAD_TOO_LARGE', message: 'the export is larger than the file store takes' } }
  ]
  for (const { name, error, shown } of failures) {
    await t.test(name, async (t) => {
      app.jobFiles.upload = () => { throw error }
      const job = await waitForJob(owner, (await exportJob(owner, { resource: 'units', format: 'csv' })).id)
      t.match(job, { status: 'failed', error: shown }, 'the status route')

      const stream = await fetch(`${base}/v1/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${owner.accessToken}`, accept: 'text/event-stream' } })
      const events = await stream.text()
      const done = JSON.parse(/event: done\ndata: (.*)\n/.exec(events)![1]!)
      t.same(done.error, shown, 'the event stream')

      const delivered = () => receiver.received.map((body) => JSON.parse(body) as { data: { job: { id: string, error: unknown } } }).find((event) => event.data.job.id === job.id)
      await waitFor('the webhook arrives', () => delivered() !== undefined)
      t.same(delivered()!.data.job.error, shown, 'the webhook')

      t.notOk([JSON.stringify(job), events, JSON.stringify(delivered())].some((text) => text.includes(INTERNAL)), 'no internal address reaches the client')
      if (shown === GENERIC) {
        const logged = lines.map((line) => JSON.parse(line)).find((entry) => entry.jobId === job.id)
        t.match(logged, { msg: 'job attempt failed', err: { message: new RegExp(INTERNAL.replaceAll('.', '\\.')) } }, 'the detail is in the log, under the job id')
      }
    })
  }
})
