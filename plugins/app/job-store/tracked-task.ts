// A graphile-worker task that works for a row of our jobs table: it claims the
// row for this attempt, hands the work a control to report progress with and
// to learn whether to stop, and ends the row the way the attempt ended:
//  - done: succeeded, with its result and file (notification and webhook included);
//  - cancelled (asked through the API): cancelled, within one batch;
//  - the worker is shutting down: the job goes back to the queue untouched by
//    this attempt (a new queue job under the same key) and this one ends cleanly,
//    so no job stays locked by a process that stopped;
//  - another attempt took the job over (this worker was presumed dead): nothing;
//  - an error: back to queued until the attempts are used up, then failed with it.
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { ObjectId } from 'mongodb'
import type { JobHelpers, Task } from 'graphile-worker'
import { queueKey } from './store.ts'
import type { JobFile, JobRecord } from './records.ts'
import { isCodedError } from '../error-handler.ts'

export interface Outcome { result: Record<string, unknown>, file: JobFile | null }

export interface JobControl {
  /** Counts rows done; between batches: writes progress (at a bounded rate), yields the event loop, throws to stop. */
  batch: (rows: number) => Promise<void>
  setTotal: (total: number) => void
  /** Records the file this attempt writes, after removing what an earlier attempt left. */
  pendingFile: (fileId: string) => Promise<void>
  processed: () => number
}

export type TrackedWork = (job: JobRecord, control: JobControl) => Promise<Outcome>

class Stop extends Error {
  readonly reason: 'cancelled' | 'superseded' | 'interrupted'

  constructor (reason: Stop['reason']) {
    super(`job ${reason}`)
    this.reason = reason
  }
}

interface Payload { jobId: string, agencyId: string }

/** What a failure of anything but our own coded errors tells the client; the detail is logged under the job id. */
const INTERNAL_JOB_ERROR = { code: 'JOB_FAILED', message: 'The job failed on our side; its details are in our logs under the job id' }

/** The error the status route, the event stream and the webhook show: ours as it is, anything else generic. */
function publicError (err: unknown): { code: string, message: string } {
  return isCodedError(err) ? { code: err.code, message: err.message.slice(0, 500) } : INTERNAL_JOB_ERROR
}

export function trackedTask (app: FastifyInstance, work: TrackedWork): Task {
  const { jobStore, jobFiles, jobEvents } = app
  const intervalMs = app.config.JOB_PROGRESS_INTERVAL_MS

  const webhookConfigured = (agencyId: string) => app.repos.agencies.hasWebhook(new ObjectId(agencyId))

  return async (rawPayload, helpers: JobHelpers) => {
    const { jobId, agencyId } = rawPayload as Payload
    const { attempts, max_attempts: maxAttempts, locked_by: lockedBy } = helpers.job
    const job = await jobStore.start(agencyId, jobId, attempts, maxAttempts, lockedBy ?? 'unknown')
    if (job === null) return // finished or cancelled while queued: nothing to do
    if (job.cancelRequestedAt !== null) {
      await jobStore.finish(job, { status: 'cancelled', webhook: await webhookConfigured(agencyId) })
      return
    }

    let cancelRequested = false
    const unsubscribe = jobEvents.subscribe(job.id, (announcement) => {
      if (announcement?.cancelRequested === true) cancelRequested = true
    })
    let processed = 0
    let total: number | null = null
    let lastWrite = performance.now()
    let pendingFileId: string | null = job.pendingFileId
    const stopping = app.jobsStopping

    const control: JobControl = {
      async batch (rows) {
        processed += rows
        if (stopping.aborted) throw new Stop('interrupted')
        if (performance.now() - lastWrite >= intervalMs) {
          lastWrite = performance.now()
          const state = await jobStore.progress(job, processed, total)
          if (!state.owned) throw new Stop('superseded')
          if (state.cancelRequested) cancelRequested = true
        }
        if (cancelRequested) throw new Stop('cancelled')
        await yieldToLoop()
      },
      setTotal (value) { total = value },
      async pendingFile (fileId) {
        if (pendingFileId !== null) await jobFiles.remove(pendingFileId)
        if (!await jobStore.setPendingFile(job, fileId)) throw new Stop('superseded')
        pendingFileId = fileId
      },
      processed: () => processed
    }

    const discardFile = async () => {
      if (pendingFileId !== null) await jobFiles.remove(pendingFileId).catch((err: unknown) => helpers.logger.warn(`could not remove file ${pendingFileId}: ${String(err)}`))
    }

    try {
      const outcome = await work(job, control)
      await jobStore.progress(job, processed, total)
      const finished = await jobStore.finish(job, { status: 'succeeded', result: outcome.result, file: outcome.file, webhook: await webhookConfigured(agencyId) })
      // Another attempt owns the job now: its file is the one that counts.
      if (finished === null && outcome.file !== null) await jobFiles.remove(outcome.file.id)
    } catch (err) {
      if (err instanceof Stop && err.reason === 'superseded') return
      await discardFile()
      if (err instanceof Stop && err.reason === 'cancelled') {
        await jobStore.finish(job, { status: 'cancelled', result: { processed }, webhook: await webhookConfigured(agencyId) })
        return
      }
      if (err instanceof Stop) {
        // Shutting down: hand the job back to the queue without spending an attempt.
        await jobStore.retryLater(job, { code: 'INTERRUPTED', message: 'The worker running it shut down; another worker resumes it' }, true)
        await helpers.addJob(helpers.job.task_identifier, rawPayload, { jobKey: queueKey(job.id), maxAttempts, priority: helpers.job.priority })
        return
      }
      const error = publicError(err)
      app.log.error({ err, jobId: job.id, agencyId, task: helpers.job.task_identifier, attempt: attempts, maxAttempts }, 'job attempt failed')
      if (attempts < maxAttempts) await jobStore.retryLater(job, error)
      else await jobStore.finish(job, { status: 'failed', error, webhook: await webhookConfigured(agencyId) })
      throw err
    } finally {
      unsubscribe()
    }
  }
}
