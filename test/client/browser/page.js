// A page of a web app using the built client: sign in, export, show the job's
// progress from its event stream, download the file. The tokens live in
// IndexedDB, so every tab of this origin shares the session.
import { createHavenClient, indexedDbTokens, ok } from '@haven/client'

const api = new URLSearchParams(location.search).get('api')
const tokens = indexedDbTokens()
const haven = createHavenClient({ baseUrl: api, tokens })
// The test drives the client and its tokens from here too (two tabs refreshing at once).
Object.assign(window, { haven, tokens })

const $ = (id) => document.getElementById(id)
const failed = (err) => {
  $('error').textContent = `${err.name}: ${err.message}`
  document.body.dataset.error = err.code ?? err.name
}

$('signin').addEventListener('submit', (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  haven.login({ email: form.get('email'), password: form.get('password') }).then(() => {
    $('export').disabled = false
    document.body.dataset.session = 'signed-in'
  }, failed)
})

$('export').addEventListener('click', async () => {
  try {
    const queued = ok(await haven.POST('/v1/exports', { body: { resource: 'properties', format: 'csv', filters: { sort: 'name' } } }))
    let job = queued
    for await (job of haven.followJob(queued.id)) {
      $('progress').value = job.percent ?? 0
      $('status').textContent = job.status
      const item = document.createElement('li')
      item.textContent = `${job.status} ${job.processed}/${job.total ?? '?'} ${job.percent ?? '-'}%`
      $('states').append(item)
    }
    const file = await haven.download(job)
    const link = document.createElement('a')
    link.href = URL.createObjectURL(await file.response.blob())
    link.download = file.fileName
    link.click()
    document.body.dataset.export = 'downloaded'
  } catch (err) {
    failed(err)
  }
})
