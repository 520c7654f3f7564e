// Job history retention: deletes finished jobs JOB_RETENTION_DAYS (90) after
// they finished, once expire-job-files has removed their files (a job whose
// file is still kept stays), with their notifications, webhook deliveries and
// what the queue holds of them; and notifications NOTIFICATION_RETENTION_DAYS
// (30) after they were made, read or not. A bounded batch at a time, at most
// ROUNDS of them a run (the next run goes on); safe to run twice.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'

const BATCH = 1_000
const ROUNDS = 100
const DAY_MS = 86_400_000

async function inBatches (prune: () => Promise<number>): Promise<number> {
  let deleted = 0
  for (let round = 0; round < ROUNDS; round++) {
    const n = await prune()
    deleted += n
    if (n < BATCH) break
  }
  return deleted
}

export function pruneJobHistory (app: FastifyInstance): Task {
  const { JOB_RETENTION_DAYS, NOTIFICATION_RETENTION_DAYS } = app.config
  return async (_payload, helpers) => {
    const now = Date.now()
    const jobsBefore = new Date(now - JOB_RETENTION_DAYS * DAY_MS)
    const notificationsBefore = new Date(now - NOTIFICATION_RETENTION_DAYS * DAY_MS)
    const jobs = await inBatches(() => app.jobStore.adminPruneFinished(jobsBefore, BATCH))
    const notifications = await inBatches(() => app.notifications.adminPruneOlderThan(notificationsBefore, BATCH))
    helpers.logger.info(`deleted ${jobs} jobs finished before ${jobsBefore.toISOString()} and ${notifications} notifications made before ${notificationsBefore.toISOString()}`)
  }
}
