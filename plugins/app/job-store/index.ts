// Haven's job API underneath the routes and tasks: the jobs table (store.ts),
// in-app notifications (notifications.ts) and the stream of job changes every
// instance hears (events.ts), all on PostgreSQL beside graphile-worker's queue.
import fp from 'fastify-plugin'
import { JobEvents } from './events.ts'
import { JobStore } from './store.ts'
import { NotificationStore } from './notifications.ts'

declare module 'fastify' {
  interface FastifyInstance {
    jobStore: JobStore
    notifications: NotificationStore
    jobEvents: JobEvents
  }
}

export default fp<{ offline?: boolean }>(async function jobStore (fastify, opts) {
  const pool = fastify.pg.pool
  fastify.decorate('jobStore', new JobStore(pool, { retentionHours: fastify.config.JOB_FILE_RETENTION_HOURS, webhookAttempts: fastify.config.WEBHOOK_MAX_ATTEMPTS }))
  fastify.decorate('notifications', new NotificationStore(pool))
  const events = new JobEvents(fastify.config.DATABASE_URL, fastify.log)
  if (opts.offline !== true) await events.start()
  fastify.decorate('jobEvents', events)
  fastify.addHook('onClose', () => events.close())
}, { name: 'job-store', dependencies: ['postgres'] })
