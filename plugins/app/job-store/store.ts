// Haven's jobs table (the shadow of graphile-worker's queue). Every method takes
// the agency first and puts it in the WHERE clause, like the MongoDB
// repositories; the row's id is its primary key, so a status read is one key
// lookup. A job row and its graphile-worker job are made in one transaction on
// one client, through graphile-worker's own add_job SQL function, so there is
// never a row without a queued job or a queued job without a row. Writes of a
// running attempt carry its run token: an attempt that lost its job (its worker
// was declared dead and another attempt took over) changes nothing.
import { createHash, randomUUID } from 'node:crypto'
import { ObjectId } from 'mongodb'
import type { Pool, PoolClient } from 'pg'
import { canonicalJson, jobOf, type JobFile, type JobRecord, type JobRow, type JobStatus, type JobType } from './records.ts'
import { codedError } from '../error-handler.ts'

export interface JobSpec {
  type: JobType
  /** the graphile-worker task that runs it */
  task: string
  params: Record<string, unknown>
  maxAttempts: number
  priority: number
}

export interface JobPage { items: JobRecord[], nextCursor: string | null }

export interface ListFilter { userId?: string | undefined, type?: JobType | undefined, status?: JobStatus | undefined, limit: number, cursor?: string | undefined }

export type FinishedStatus = 'succeeded' | 'failed' | 'cancelled'

export interface Finish {
  status: FinishedStatus
  result?: Record<string, unknown> | null
  file?: JobFile | null
  error?: { code: string, message: string } | null
  /** where the agency's webhook is configured, a delivery is queued in the same transaction */
  webhook: boolean
}

/** The graphile-worker job_key of a job row: cancellation removes the queued job by it. */
export const queueKey = (jobId: string) => `haven-job:${jobId}`
/** The graphile-worker job_key of a webhook delivery. */
const deliveryKey = (deliveryId: string) => `webhook:${deliveryId}`

const FINISH_EVENTS: Record<FinishedStatus, string> = { succeeded: 'job.succeeded', failed: 'job.failed', cancelled: 'job.cancelled' }

export async function inTransaction<T> (pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}

function encodeCursor (id: string): string {
  return Buffer.from(JSON.stringify({ i: id })).toString('base64url')
}

function decodeCursor (cursor: string): string {
  try {
    const { i } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { i?: unknown }
    if (typeof i === 'string' && /^[a-f0-9]{24}$/.test(i)) return i
  } catch {}
  throw codedError(400, 'INVALID_CURSOR', 'The cursor is not one this list produced; start again without it')
}

function title (job: JobRecord, status: FinishedStatus): string {
  const what = typeof job.params.resource === 'string' ? `${job.type} of ${job.params.resource}` : job.type
  const format = typeof job.params.format === 'string' ? ` (${job.params.format.toUpperCase()})` : ''
  const outcome = status === 'succeeded' ? 'is ready' : status === 'failed' ? 'failed' : 'was cancelled'
  return `Your ${what}${format} ${outcome}`
}

export class JobStore {
  readonly #pool: Pool
  readonly #retentionHours: number
  readonly #webhookAttempts: number

  constructor (pool: Pool, options: { retentionHours: number, webhookAttempts: number }) {
    this.#pool = pool
    this.#retentionHours = options.retentionHours
    this.#webhookAttempts = options.webhookAttempts
  }

  /**
   * Queues a job, or answers the user's identical job that is still queued or
   * running (created: false), or the job made before with this id (an idempotent
   * create resumed). The row and the queue's job commit together.
   */
  async create (agencyId: ObjectId, userId: ObjectId, spec: JobSpec, id = new ObjectId()): Promise<{ job: JobRecord, created: boolean }> {
    const agency = agencyId.toHexString()
    const user = userId.toHexString()
    const fingerprint = createHash('sha256').update(canonicalJson({ type: spec.type, params: spec.params })).digest('base64url')
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await inTransaction(this.#pool, async (client) => {
        const inserted = await client.query<JobRow>(
          `INSERT INTO jobs (id, agency_id, user_id, type, priority, params, fingerprint, max_attempts)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT DO NOTHING
           RETURNING *`,
          [id.toHexString(), agency, user, spec.type, spec.priority, spec.params, fingerprint, spec.maxAttempts])
        const row = inserted.rows[0]
        if (row !== undefined) {
          await client.query(
            `SELECT graphile_worker.add_job($1::text, json_build_object('jobId', $2::text, 'agencyId', $3::text),
               max_attempts => $4::int, job_key => $5::text, priority => $6::int)`,
            [spec.task, row.id, agency, spec.maxAttempts, queueKey(row.id), spec.priority])
          return { job: jobOf(row), created: true }
        }
        const existing = await client.query<JobRow>(
          `SELECT * FROM jobs WHERE agency_id = $1 AND (id = $4 OR (user_id = $2 AND fingerprint = $3 AND status IN ('queued', 'running')))
           ORDER BY id = $4 DESC LIMIT 1`,
          [agency, user, fingerprint, id.toHexString()])
        return existing.rows[0] === undefined ? null : { job: jobOf(existing.rows[0]), created: false }
      })
      // null: the identical job finished between the two statements; queue a new one.
      if (outcome !== null) return outcome
    }
    throw codedError(503, 'JOB_BUSY', 'This job is changing too fast; retry shortly')
  }

  /** One primary-key lookup. */
  async get (agencyId: ObjectId | string, id: string): Promise<JobRecord | null> {
    const { rows } = await this.#pool.query<JobRow>('SELECT * FROM jobs WHERE id = $1 AND agency_id = $2', [id, String(agencyId)])
    return rows[0] === undefined ? null : jobOf(rows[0])
  }

  /** History, newest first, by keyset on the id (ObjectIds start with their creation time). */
  async list (agencyId: ObjectId, filter: ListFilter): Promise<JobPage> {
    const conditions = ['agency_id = $1']
    const values: unknown[] = [agencyId.toHexString()]
    const add = (sql: string, value: unknown) => { values.push(value); conditions.push(sql.replace('?', `$${values.length}`)) }
    if (filter.userId !== undefined) add('user_id = ?', filter.userId)
    if (filter.type !== undefined) add('type = ?', filter.type)
    if (filter.status !== undefined) add('status = ?', filter.status)
    if (filter.cursor !== undefined) add('id < ?', decodeCursor(filter.cursor))
    values.push(filter.limit + 1)
    const { rows } = await this.#pool.query<JobRow>(`SELECT * FROM jobs WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT $${values.length}`, values)
    const hasMore = rows.length > filter.limit
    const items = rows.slice(0, filter.limit).map(jobOf)
    return { items, nextCursor: hasMore ? encodeCursor(items.at(-1)!.id) : null }
  }

  /**
   * Asks an unfinished job to stop. A queued job the queue has not handed out
   * yet is removed from the queue and cancelled at once; a running one stops at
   * its next batch. null: no unfinished job of that id in the agency.
   */
  async requestCancel (agencyId: ObjectId, id: string, webhook: boolean): Promise<JobRecord | null> {
    const agency = agencyId.toHexString()
    const job = await inTransaction(this.#pool, async (client) => {
      const { rows } = await client.query<JobRow>(
        `UPDATE jobs SET cancel_requested_at = coalesce(cancel_requested_at, now())
         WHERE id = $1 AND agency_id = $2 AND status IN ('queued', 'running') RETURNING *`, [id, agency])
      if (rows[0] === undefined) return null
      if (rows[0].status !== 'queued') return jobOf(rows[0])
      const removed = await client.query('SELECT id FROM graphile_worker.remove_job($1::text) WHERE id IS NOT NULL', [queueKey(id)])
      if (removed.rowCount === 0) return jobOf(rows[0]) // locked: the worker starting it sees the request
      return await this.#finish(client, jobOf(rows[0]), null, { status: 'cancelled', webhook })
    })
    return job
  }

  /**
   * An attempt begins: the job is running under a new run token, its progress
   * reset. null: there is nothing to run (finished, or cancelled meanwhile: the
   * caller then finishes it as cancelled, see cancelRequested).
   */
  async start (agencyId: string, id: string, attempt: number, maxAttempts: number, workerId: string): Promise<JobRecord | null> {
    const { rows } = await this.#pool.query<JobRow>(
      `UPDATE jobs SET status = 'running', run_token = $3, attempts = $4, max_attempts = $5, worker_id = $6,
              started_at = clock_timestamp(), progress_at = clock_timestamp(), processed = 0, next_attempt_at = NULL
       WHERE id = $1 AND agency_id = $2 AND status IN ('queued', 'running') RETURNING *`,
      [id, agencyId, randomUUID(), attempt, maxAttempts, workerId])
    return rows[0] === undefined ? null : jobOf(rows[0])
  }

  /** Records the file an attempt is about to write (so a later attempt can remove what a crash left). */
  async setPendingFile (job: JobRecord, fileId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      "UPDATE jobs SET pending_file_id = $4 WHERE id = $1 AND agency_id = $2 AND run_token = $3 AND status = 'running'",
      [job.id, job.agencyId, job.runToken, fileId])
    return rowCount === 1
  }

  /** Progress of the running attempt; answers whether it may go on (false: cancelled, or no longer its job). */
  async progress (job: JobRecord, processed: number, total: number | null): Promise<{ owned: boolean, cancelRequested: boolean }> {
    const { rows } = await this.#pool.query<{ cancel_requested_at: Date | null }>(
      `UPDATE jobs SET processed = $4, total = coalesce($5, total), progress_at = clock_timestamp()
       WHERE id = $1 AND agency_id = $2 AND run_token = $3 AND status = 'running' RETURNING cancel_requested_at`,
      [job.id, job.agencyId, job.runToken, processed, total])
    return rows[0] === undefined ? { owned: false, cancelRequested: false } : { owned: true, cancelRequested: rows[0].cancel_requested_at !== null }
  }

  /**
   * Back to queued: the attempt failed and the queue retries it at graphile-worker's
   * backoff, or (released) the attempt was interrupted and the job runs again at once.
   */
  async retryLater (job: JobRecord, error: { code: string, message: string }, released = false): Promise<void> {
    await this.#pool.query(
      `UPDATE jobs SET status = 'queued', run_token = NULL, error_code = $4, error_message = $5,
              next_attempt_at = CASE WHEN $6 THEN now() ELSE now() + exp(least(attempts, 10)) * interval '1 second' END
       WHERE id = $1 AND agency_id = $2 AND run_token = $3 AND status = 'running'`,
      [job.id, job.agencyId, job.runToken, error.code, error.message, released])
  }

  /**
   * Ends the running attempt's job, with its in-app notification and, where the
   * agency has a webhook, its delivery, all in one transaction. false: the
   * attempt no longer owned the job (nothing changed).
   */
  async finish (job: JobRecord, finish: Finish): Promise<JobRecord | null> {
    return await inTransaction(this.#pool, (client) => this.#finish(client, job, job.runToken, finish))
  }

  async #finish (client: PoolClient, job: JobRecord, runToken: string | null, finish: Finish): Promise<JobRecord | null> {
    const file = finish.file ?? null
    const { rows } = await client.query<JobRow>(
      `UPDATE jobs SET status = $4, finished_at = now(), run_token = NULL, pending_file_id = NULL, next_attempt_at = NULL,
              result = $5, error_code = $6, error_message = $7,
              file_id = $8, file_name = $9, content_type = $10, file_size = $11,
              expires_at = now() + $12 * interval '1 hour'
       WHERE id = $1 AND agency_id = $2 AND run_token IS NOT DISTINCT FROM $3 AND status IN ('queued', 'running') RETURNING *`,
      [job.id, job.agencyId, runToken, finish.status, finish.result ?? null, finish.error?.code ?? null, finish.error?.message ?? null,
        file?.id ?? null, file?.name ?? null, file?.contentType ?? null, file?.size ?? null, this.#retentionHours])
    if (rows[0] === undefined) return null
    const finished = jobOf(rows[0])
    const event = FINISH_EVENTS[finish.status]
    await client.query(
      'INSERT INTO notifications (id, agency_id, user_id, job_id, event, title) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
      [new ObjectId().toHexString(), finished.agencyId, finished.userId, finished.id, event, title(finished, finish.status)])
    if (finish.webhook) await this.#queueWebhook(client, finished, event)
    return finished
  }

  async #queueWebhook (client: PoolClient, job: JobRecord, event: string): Promise<void> {
    const id = new ObjectId().toHexString()
    const payload = {
      id,
      event,
      createdAt: new Date().toISOString(),
      data: {
        job: {
          id: job.id, type: job.type, status: job.status, userId: job.userId, params: job.params, processed: job.processed, total: job.total,
          result: job.result, error: job.errorCode === null ? null : { code: job.errorCode, message: job.errorMessage },
          finishedAt: job.finishedAt?.toISOString() ?? null, expiresAt: job.expiresAt?.toISOString() ?? null,
          downloadPath: job.file === null ? null : `/v1/jobs/${job.id}/download`
        }
      }
    }
    const { rows } = await client.query<{ id: string }>(
      'INSERT INTO webhook_deliveries (id, agency_id, job_id, event, payload) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job_id, event) DO NOTHING RETURNING id',
      [id, job.agencyId, job.id, event, payload])
    if (rows[0] === undefined) return
    await client.query(
      `SELECT graphile_worker.add_job('deliver-webhook', json_build_object('deliveryId', $1::text, 'agencyId', $2::text), job_key => $3::text, max_attempts => $4::int)`,
      [id, job.agencyId, deliveryKey(id), this.#webhookAttempts])
  }

  /**
   * Jobs whose last attempt died with its worker: the queue, once the job is
   * unlocked, never runs it again (its attempts are used up), so it fails here,
   * with the usual notification and webhook. Any agency (the worker's reaper).
   */
  async adminFailAbandoned (webhookFor: (agencyId: string) => Promise<boolean>): Promise<number> {
    const { rows } = await this.#pool.query<JobRow>(
      `SELECT j.* FROM jobs j JOIN graphile_worker.jobs q ON q.key = 'haven-job:' || j.id
        WHERE j.status = 'running' AND q.locked_at IS NULL AND q.attempts >= q.max_attempts`)
    for (const row of rows) {
      const job = jobOf(row)
      const error = { code: 'WORKER_LOST', message: `The worker running the last of its ${job.maxAttempts} attempts stopped answering` }
      const webhook = await webhookFor(job.agencyId)
      await inTransaction(this.#pool, (client) => this.#finish(client, job, job.runToken, { status: 'failed', error, webhook }))
    }
    return rows.length
  }

  /** Retention job: finished jobs (any agency) past their retention, whose files (result, upload) go. */
  async adminExpiredFiles (before: Date, limit: number): Promise<JobRecord[]> {
    const { rows } = await this.#pool.query<JobRow>(
      `SELECT * FROM jobs WHERE expires_at < $1 AND status IN ('succeeded', 'failed', 'cancelled') ORDER BY expires_at LIMIT $2`, [before, limit])
    return rows.map(jobOf)
  }

  /**
   * History retention: deletes up to `limit` finished jobs (any agency) that
   * finished before `before` and whose files are gone, with their notifications
   * and webhook deliveries (cascade) and what the queue still holds of them (a
   * job that used up its attempts stays in graphile-worker's table). Answers
   * how many it deleted.
   */
  async adminPruneFinished (before: Date, limit: number): Promise<number> {
    return await inTransaction(this.#pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM jobs WHERE finished_at < $1 AND expires_at IS NULL AND status IN ('succeeded', 'failed', 'cancelled', 'expired')
         ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED`, [before, limit])
      const ids = rows.map((row) => row.id)
      if (ids.length === 0) return 0
      const deliveries = await client.query<{ id: string }>('SELECT id FROM webhook_deliveries WHERE job_id = ANY($1)', [ids])
      const keys = [...ids.map(queueKey), ...deliveries.rows.map((delivery) => deliveryKey(delivery.id))]
      await client.query('SELECT graphile_worker.remove_job(key) FROM unnest($1::text[]) AS key', [keys])
      const deleted = await client.query('DELETE FROM jobs WHERE id = ANY($1)', [ids])
      return deleted.rowCount ?? 0
    })
  }

  /** The job's files are gone: a succeeded job becomes expired; a failed or cancelled one keeps its status. */
  async markExpired (job: JobRecord): Promise<void> {
    await this.#pool.query(
      `UPDATE jobs SET status = CASE WHEN status = 'succeeded' THEN 'expired' ELSE status END, file_id = NULL, expires_at = NULL
       WHERE id = $1 AND agency_id = $2 AND expires_at IS NOT NULL`, [job.id, job.agencyId])
  }
}
