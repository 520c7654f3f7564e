// In-app notifications: one per user, job and event, written by the transaction
// that finishes the job (store.ts). A user reads and marks only their own.
import type { ObjectId } from 'mongodb'
import type { Pool } from 'pg'
import { codedError } from '../error-handler.ts'
import type { Notification } from '../../../schemas/notification.ts'

interface NotificationRow { id: string, job_id: string, event: string, title: string, created_at: Date, read_at: Date | null }

export interface NotificationPage { items: Notification[], nextCursor: string | null }

function presentNotification (row: NotificationRow): Notification {
  return { id: row.id, jobId: row.job_id, event: row.event, title: row.title, createdAt: row.created_at.toISOString(), readAt: row.read_at?.toISOString() ?? null }
}

export class NotificationStore {
  readonly #pool: Pool

  constructor (pool: Pool) {
    this.#pool = pool
  }

  /** Newest first, by keyset on the id; unread only unless told otherwise. */
  async list (agencyId: ObjectId, userId: ObjectId, options: { unread: boolean, limit: number, cursor?: string | undefined }): Promise<NotificationPage> {
    const values: unknown[] = [agencyId.toHexString(), userId.toHexString()]
    let sql = 'SELECT id, job_id, event, title, created_at, read_at FROM notifications WHERE agency_id = $1 AND user_id = $2'
    if (options.unread) sql += ' AND read_at IS NULL'
    if (options.cursor !== undefined) {
      if (!/^[a-f0-9]{24}$/.test(options.cursor)) throw codedError(400, 'INVALID_CURSOR', 'The cursor is not one this list produced; start again without it')
      values.push(options.cursor)
      sql += ` AND id < $${values.length}`
    }
    values.push(options.limit + 1)
    const { rows } = await this.#pool.query<NotificationRow>(`${sql} ORDER BY id DESC LIMIT $${values.length}`, values)
    const items = rows.slice(0, options.limit)
    return { items: items.map(presentNotification), nextCursor: rows.length > options.limit ? items.at(-1)!.id : null }
  }

  /** Marks one notification read (the first time counts). null: not the user's. */
  async markRead (agencyId: ObjectId, userId: ObjectId, id: string): Promise<Notification | null> {
    const { rows } = await this.#pool.query<NotificationRow>(
      `UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = $1 AND agency_id = $2 AND user_id = $3
       RETURNING id, job_id, event, title, created_at, read_at`, [id, agencyId.toHexString(), userId.toHexString()])
    return rows[0] === undefined ? null : presentNotification(rows[0])
  }

  /** Retention: deletes up to `limit` notifications (any agency) made before `before`; answers how many. */
  async adminPruneOlderThan (before: Date, limit: number): Promise<number> {
    const { rowCount } = await this.#pool.query(
      'DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE created_at < $1 ORDER BY created_at LIMIT $2)', [before, limit])
    return rowCount ?? 0
  }

    /** Marks every unread notification of the user read; answers how many. */
  async markAllRead (agencyId: ObjectId, userId: ObjectId): Promise<number> {
    const { rowCount } = await this.#pool.query(
      'UPDATE notifications SET read_at = now() WHERE agency_id = $1 AND user_id = $2 AND read_at IS NULL', [agencyId.toHexString(), userId.toHexString()])
    return rowCount ?? 0
  }
}
