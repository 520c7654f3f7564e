// Jobs must not outlive their worker. graphile-worker leaves a job locked for 4
// hours when the process holding it dies (kill -9, an OOM, a lost machine), so
// each worker process records a heartbeat for its pool (the id its jobs are
// locked by), and every worker unlocks the jobs of pools silent for longer than
// WORKER_DEAD_AFTER_MS with graphile-worker's own force_unlock_workers. The
// queue then hands the job to a live worker, which retries it (its attempt is
// counted; our task resumes it from the start, discarding the dead attempt's file).
import os from 'node:os'
import type { Pool } from 'pg'
import type { FastifyBaseLogger } from 'fastify'
import type { WorkerUtils } from 'graphile-worker'

export interface HeartbeatOptions {
  pool: Pool
  utils: WorkerUtils
  log: FastifyBaseLogger
  intervalMs: number
  deadAfterMs: number
  /** after unlocking dead workers' jobs: settles those whose attempts are used up */
  afterUnlock: () => Promise<number>
}

// Pools locking jobs longer than the limit with no fresh heartbeat: dead, or
// never heartbeating at all (a worker of an older release).
const DEAD_POOLS_SQL = `
  SELECT DISTINCT j.locked_by AS worker_id
    FROM graphile_worker.jobs j
   WHERE j.locked_by IS NOT NULL
     AND j.locked_at < now() - $1 * interval '1 millisecond'
     AND NOT EXISTS (SELECT 1 FROM worker_heartbeats h WHERE h.worker_id = j.locked_by AND h.seen_at > now() - $1 * interval '1 millisecond')`

export class Heartbeats {
  readonly #options: HeartbeatOptions
  readonly #pools = new Set<string>()
  #timer: NodeJS.Timeout | undefined
  #beating: Promise<void> = Promise.resolve()

  constructor (options: HeartbeatOptions) {
    this.#options = options
  }

  /** A pool of this process starts (graphile-worker's pool:create event). */
  add (workerId: string): void {
    this.#pools.add(workerId)
    this.#beating = this.#beating.then(() => this.beat())
  }

  start (): void {
    this.#timer = setInterval(() => { this.#beating = this.#beating.then(() => this.beat()) }, this.#options.intervalMs)
    this.#timer.unref()
  }

  /** Records this process's pools as alive, then unlocks the jobs of dead ones. */
  async beat (): Promise<void> {
    const { pool, utils, log, deadAfterMs, afterUnlock } = this.#options
    try {
      for (const workerId of this.#pools) {
        await pool.query(
          `INSERT INTO worker_heartbeats (worker_id, host, pid) VALUES ($1, $2, $3)
           ON CONFLICT (worker_id) DO UPDATE SET seen_at = now()`, [workerId, os.hostname(), process.pid])
      }
      const { rows } = await pool.query<{ worker_id: string }>(DEAD_POOLS_SQL, [deadAfterMs])
      const dead = rows.map((row) => row.worker_id).filter((id) => !this.#pools.has(id))
      if (dead.length > 0) {
        await utils.forceUnlockWorkers(dead)
        log.warn({ workers: dead }, 'unlocked the jobs of workers whose heartbeat stopped; they will be retried')
        const failed = await afterUnlock()
        if (failed > 0) log.warn({ failed }, 'jobs whose last attempt died with its worker are failed')
      }
      await pool.query('DELETE FROM worker_heartbeats WHERE seen_at < now() - interval \'1 day\'')
    } catch (err) {
      log.warn({ err }, 'worker heartbeat failed; retrying at the next interval')
    }
  }

  /** A cleanly stopped process says so: its row goes (it locks nothing any more). */
  async stop (): Promise<void> {
    clearInterval(this.#timer)
    await this.#beating
    if (this.#pools.size === 0) return
    await this.#options.pool.query('DELETE FROM worker_heartbeats WHERE worker_id = ANY($1)', [[...this.#pools]]).catch(() => undefined)
  }
}
