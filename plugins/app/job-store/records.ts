// A row of our `jobs` table as the code holds it, and the mapping from the row
// pg returns (snake_case, bigints as strings).
import type { JOB_STATUSES, JOB_TYPES } from '../../../schemas/job.ts'

export type JobStatus = typeof JOB_STATUSES[number]
export type JobType = typeof JOB_TYPES[number]

export const UNFINISHED: readonly JobStatus[] = ['queued', 'running']

export interface JobFile { id: string, name: string, contentType: string, size: number }

export interface JobRecord {
  id: string
  agencyId: string
  userId: string
  type: JobType
  status: JobStatus
  priority: number
  params: Record<string, unknown>
  attempts: number
  maxAttempts: number
  processed: number
  total: number | null
  version: number
  runToken: string | null
  cancelRequestedAt: Date | null
  errorCode: string | null
  errorMessage: string | null
  result: Record<string, unknown> | null
  file: JobFile | null
  pendingFileId: string | null
  createdAt: Date
  updatedAt: Date
  startedAt: Date | null
  progressAt: Date | null
  nextAttemptAt: Date | null
  finishedAt: Date | null
  expiresAt: Date | null
}

export interface JobRow {
  id: string
  agency_id: string
  user_id: string
  type: JobType
  status: JobStatus
  priority: number
  params: Record<string, unknown>
  attempts: number
  max_attempts: number
  processed: string
  total: string | null
  version: number
  run_token: string | null
  cancel_requested_at: Date | null
  error_code: string | null
  error_message: string | null
  result: Record<string, unknown> | null
  file_id: string | null
  file_name: string | null
  content_type: string | null
  file_size: string | null
  pending_file_id: string | null
  created_at: Date
  updated_at: Date
  started_at: Date | null
  progress_at: Date | null
  next_attempt_at: Date | null
  finished_at: Date | null
  expires_at: Date | null
}

export function jobOf (row: JobRow): JobRecord {
  return {
    id: row.id,
    agencyId: row.agency_id,
    userId: row.user_id,
    type: row.type,
    status: row.status,
    priority: row.priority,
    params: row.params,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    processed: Number(row.processed),
    total: row.total === null ? null : Number(row.total),
    version: row.version,
    runToken: row.run_token,
    cancelRequestedAt: row.cancel_requested_at,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    result: row.result,
    file: row.file_id === null ? null : { id: row.file_id, name: row.file_name ?? row.file_id, contentType: row.content_type ?? 'application/octet-stream', size: Number(row.file_size ?? 0) },
    pendingFileId: row.pending_file_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    progressAt: row.progress_at,
    nextAttemptAt: row.next_attempt_at,
    finishedAt: row.finished_at,
    expiresAt: row.expires_at
  }
}

/** JSON with its keys sorted at every level: equal requests give equal fingerprints. */
export function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}
