// The API's view of a job (schemas/job.ts). Rates and estimates come from the
// row's own timestamps, never from the clock of the request: the same row gives
// the same body (and ETag), so a poll that changed nothing answers 304.
import type { Job } from '../../../schemas/job.ts'
import type { JobRecord } from './records.ts'

/** graphile-worker's retry delay (fail_job): e^min(attempts, 10) seconds after the n-th failure. */
export const BACKOFF = 'exponential: about e^n seconds after the n-th failed attempt (e^10 s at most)'

export interface DownloadLink { url: string, expiresAt: Date }

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits

function rate (job: JobRecord): { rowsPerSecond: number | null, etaSeconds: number | null } {
  if (job.startedAt === null || job.progressAt === null || job.processed === 0) return { rowsPerSecond: null, etaSeconds: null }
  const seconds = (job.progressAt.getTime() - job.startedAt.getTime()) / 1000
  if (seconds <= 0) return { rowsPerSecond: null, etaSeconds: null }
  const rowsPerSecond = job.processed / seconds
  const left = job.total === null || job.status !== 'running' ? null : Math.max(0, job.total - job.processed)
  return { rowsPerSecond: round(rowsPerSecond, 1), etaSeconds: left === null ? null : round(left / rowsPerSecond, 1) }
}

export function presentJob (job: JobRecord, download: DownloadLink | null): Job {
  const percent = job.status === 'succeeded'
    ? 100
    : job.total === null || job.total === 0 ? null : round(Math.min(100, (job.processed / job.total) * 100), 1)
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    userId: job.userId,
    params: job.params,
    priority: job.priority,
    processed: job.processed,
    total: job.total,
    percent,
    ...rate(job),
    retry: { attempts: job.attempts, maxAttempts: job.maxAttempts, backoff: BACKOFF, nextAttemptAt: job.nextAttemptAt?.toISOString() ?? null },
    cancelRequested: job.cancelRequestedAt !== null,
    error: job.errorCode === null ? null : { code: job.errorCode, message: job.errorMessage ?? '' },
    result: job.result,
    download: download === null || job.file === null
      ? null
      : { url: download.url, expiresAt: download.expiresAt.toISOString(), fileName: job.file.name, contentType: job.file.contentType, size: job.file.size },
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    updatedAt: job.updatedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    expiresAt: job.expiresAt?.toISOString() ?? null
  }
}
