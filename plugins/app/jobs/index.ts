// The job queue (graphile-worker on the shared PostgreSQL pool; webhook deliveries
// run in a runner, and a small pool, of their own).
// Every role can enqueue through `fastify.jobs`; the `worker` and `all` roles also
// run the tasks listed in jobs/ and the crontab. On close the runners stop
// gracefully: running jobs finish (or are released), so no job stays locked by
// a process that exited cleanly. Worker processes record heartbeats and unlock
// the jobs of workers that died (heartbeats.ts); long tasks hear of a shutdown
// through `jobsStopping` and hand their job back to the queue at once.
import fp from 'fastify-plugin'
import { ObjectId } from 'mongodb'
import { EventEmitter } from 'node:events'
import { makeWorkerUtils, parseCrontab, run, type Runner, type RunnerOptions, type TaskList, type WorkerEvents, type WorkerUtils } from 'graphile-worker'
import { createTaskList, crontab as defaultCrontab, OUTBOUND_TASKS } from '../../../jobs/index.ts'
import { graphileLogger } from './pino-logger.ts'
import { recordJobMetrics, recordQueueDepth } from './job-metrics.ts'
import { Heartbeats } from './heartbeats.ts'

declare module 'fastify' {
  interface FastifyInstance {
    jobs: WorkerUtils
    /** the runner of everything but outbound tasks; null in the api role */
    jobRunner: Runner | null
    /** aborted when this process's runners start shutting down: long tasks stop at their next batch */
    jobsStopping: AbortSignal
  }
}

export interface JobsOptions {
  /** Replaces jobs/ (tests run their own tasks through the real runner). */
  tasks?: TaskList
  crontab?: string
}

/** Splits a task list between the general runner and the runner of outbound tasks. */
function byRunner (tasks: TaskList): { general: TaskList, outbound: TaskList } {
  const outbound = new Set<string>(OUTBOUND_TASKS)
  const entries = Object.entries(tasks)
  return {
    general: Object.fromEntries(entries.filter(([name]) => !outbound.has(name))),
    outbound: Object.fromEntries(entries.filter(([name]) => outbound.has(name)))
  }
}

export default fp<JobsOptions>(async function jobs (fastify, opts) {
  const config = fastify.config
  const pgPool = fastify.pg.pool
  const logger = graphileLogger(fastify.log)

  const utils = await makeWorkerUtils({ pgPool, logger })
  fastify.decorate('jobs', utils)
  recordQueueDepth(pgPool, fastify.metricsRegistry)

  const stopping = new AbortController()
  fastify.decorate('jobsStopping', stopping.signal)
  const heartbeats = new Heartbeats({
    pool: pgPool,
    utils,
    log: fastify.log,
    intervalMs: config.WORKER_HEARTBEAT_INTERVAL_MS,
    deadAfterMs: config.WORKER_DEAD_AFTER_MS,
    afterUnlock: () => fastify.jobStore.adminFailAbandoned((agencyId) => fastify.repos.agencies.hasWebhook(new ObjectId(agencyId)))
  })
  // Two runners on the one queue, each fetching only the tasks it knows (graphile-worker
  // asks for jobs by task identifier): webhook deliveries get WEBHOOK_CONCURRENCY slots of
  // their own beside the WORKER_CONCURRENCY slots of everything else. A named queue would
  // not do: graphile-worker runs a named queue's jobs one at a time, so one slow receiver
  // would hold up every agency's deliveries. The delivery runner has a small pool of its
  // own (graphile-worker makes it, with no wait limit), so its LISTEN connection and polls
  // never take connections of the shared pool: a runner whose first look-up of its task
  // ids fails on a pool-wait timeout never retries it, and so never runs a job again.
  const runners: Runner[] = []
  if (config.HAVEN_ROLE !== 'api') {
    const events: WorkerEvents = new EventEmitter()
    recordJobMetrics(events, fastify.metricsRegistry)
    const emitter = events as unknown as EventEmitter
    emitter.on('pool:create', ({ workerPool }: { workerPool: { id: string } }) => heartbeats.add(workerPool.id))
    emitter.on('pool:gracefulShutdown', () => stopping.abort())
    const start = (connection: Pick<RunnerOptions, 'pgPool' | 'connectionString' | 'maxPoolSize'>, taskList: TaskList, concurrency: number, cron: string) => run({
      ...connection,
      logger,
      events,
      taskList,
      // Parsed here: an empty crontab string would make the runner look for a crontab file.
      parsedCronItems: parseCrontab(cron),
      concurrency,
      pollInterval: config.WORKER_POLL_INTERVAL_MS,
      // The server's close-with-grace owns the signals; the runners stop in onClose.
      noHandleSignals: true,
      gracefulShutdownAbortTimeout: config.SHUTDOWN_GRACE_MS
    })
    const { general, outbound } = byRunner(opts.tasks ?? createTaskList(fastify))
    // One connection for LISTEN, and one per slot at most (opened as needed, closed when idle).
    const own = { connectionString: config.DATABASE_URL, maxPoolSize: config.WEBHOOK_CONCURRENCY + 1 }
    // Started together: each start checks the queue's schema, and boot has a time limit.
    const started = await Promise.allSettled([
      start({ pgPool }, general, config.WORKER_CONCURRENCY, opts.crontab ?? defaultCrontab),
      ...Object.keys(outbound).length > 0 ? [start(own, outbound, config.WEBHOOK_CONCURRENCY, '')] : []
    ])
    for (const outcome of started) if (outcome.status === 'fulfilled') runners.push(outcome.value)
    const failed = started.find((outcome) => outcome.status === 'rejected')
    if (failed !== undefined) {
      await Promise.all(runners.map((runner) => runner.stop()))
      throw failed.reason
    }
  }
  fastify.decorate('jobRunner', runners[0] ?? null)
  if (runners.length > 0) heartbeats.start()

  fastify.addHook('onClose', async () => {
    await Promise.all(runners.map((runner) => runner.stop()))
    await heartbeats.stop()
    await utils.release()
  })
}, { name: 'jobs', dependencies: ['postgres', 'metrics', 'repositories', 'ledger', 'lease-lifecycle', 'rollups', 'dashboard', 'job-store', 'job-files', 'exports', 'imports', 'webhooks'] })
