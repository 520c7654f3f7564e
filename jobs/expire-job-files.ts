// Deletes the files of jobs past their retention (JOB_FILE_RETENTION_HOURS, 7
// days by default: export files, rejected-row reports, uploaded import files) and
// marks succeeded ones expired. Safe to run twice: a file already gone is no error.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'

const BATCH = 200

export function expireJobFiles (app: FastifyInstance): Task {
  return async (_payload, helpers) => {
    const now = new Date()
    let expired = 0
    for (let round = 0; round < 100; round++) {
      const jobs = await app.jobStore.adminExpiredFiles(now, BATCH)
      for (const job of jobs) {
        if (job.file !== null) await app.jobFiles.remove(job.file.id)
        if (typeof job.params.uploadId === 'string') await app.jobFiles.remove(job.params.uploadId)
        await app.jobStore.markExpired(job)
      }
      expired += jobs.length
      if (jobs.length < BATCH) break
    }
    helpers.logger.info(`expired the files of ${expired} jobs`)
  }
}
