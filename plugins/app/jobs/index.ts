// The job queue (graphile-worker on the shared PostgreSQL pool).
// Every role can enqueue through `fastify.jobs`; the `worker` and `all` roles also
// run the tasks listed in jobs/ and the crontab. On close the runner stops
// gracefully: running jobs finish (or are released), so no job stays locked by
// a process that exited cleanly. Worker processes record heartbeats and unlock
// the jobs of workers that died (heartbeats.ts); long tasks hear of a shutdown
// through `jobsStopping` and hand their job back to the queue at once.
import fp from 'fastify-plugin'
import { ObjectId } from 'mongodb'
import { EventEmitter } from 'node:events'
import { makeWorkerUtils, parseCrontab, run, type Runner, type TaskList, type WorkerEvents, type WorkerUtils } from 'graphile-worker'
import { createTaskList, crontab as defaultCrontab } from '../../../jobs/index.ts'
import { graphileLogger } from './pino-logger.ts'
import { recordJobMetrics, recordQueueDepth } from './job-metrics.ts'
import { Heartbeats } from './heartbeats.ts'

declare module 'fastify' {
  interface FastifyInstance {
    jobs: WorkerUtils
    jobRunner: Runner | null
    /** aborted when this process's runner starts shutting down: long tasks stop at their next batch */
    jobsStopping: AbortSignal
  }
}

export interface JobsOptions {
  /** Replaces jobs/ (tests run their own tasks through the real runner). */
  tasks?: TaskList
  crontab?: string
}

export default fp<JobsOptions>(async function jobs (fastify, opts) {
  const config = fastify.config
  const pgPool = fastify.pg.pool
  const logger = graphileLogger(fastify.log)

  const utils = await makeWorkerUtils({ pgPool, logger })
  fastify.decorate('jobs', utils)
  recordQueueDepth(pgPool, fastify.metricsRegistry)

  let runner: Runner | null = null
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
  if (config.HAVEN_ROLE !== 'api') {
    const events: WorkerEvents = new EventEmitter()
    recordJobMetrics(events, fastify.metricsRegistry)
    const emitter = events as unknown as EventEmitter
    emitter.on('pool:create', ({ workerPool }: { workerPool: { id: string } }) => heartbeats.add(workerPool.id))
    emitter.on('pool:gracefulShutdown', () => stopping.abort())
    runner = await run({
      pgPool,
      logger,
      events,
      taskList: opts.tasks ?? createTaskList(fastify),
      // Parsed here: an empty crontab string would make the runner look for a crontab file.
      parsedCronItems: parseCrontab(opts.crontab ?? defaultCrontab),
      concurrency: config.WORKER_CONCURRENCY,
      pollInterval: config.WORKER_POLL_INTERVAL_MS,
      // The server's close-with-grace owns the signals; the runner stops in onClose.
      noHandleSignals: true,
      gracefulShutdownAbortTimeout: config.SHUTDOWN_GRACE_MS
    })
  }
  fastify.decorate('jobRunner', runner)
  if (runner !== null) heartbeats.start()

  fastify.addHook('onClose', async () => {
    if (runner !== null) await runner.stop()
    await heartbeats.stop()
    await utils.release()
  })
}, { name: 'jobs', dependencies: ['postgres', 'metrics', 'repositories', 'ledger', 'lease-lifecycle', 'rollups', 'dashboard', 'job-store', 'job-files', 'exports', 'imports', 'webhooks'] })
