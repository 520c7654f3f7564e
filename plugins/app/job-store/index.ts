// Haven's job API underneath the routes and tasks: the jobs table (store.ts),
// in-app notifications (notifications.ts) and the stream of job changes every
// instance hears (events.ts), all on PostgreSQL beside graphile-worker's queue;
// for the event streams, one read per change however many follow it (feed.ts)
// and a bound on how many are open (stream-slots.ts).
import fp from 'fastify-plugin'
import { JobEvents } from './events.ts'
import { JobStore } from './store.ts'
import { NotificationStore } from './notifications.ts'
import { JobFeed } from './feed.ts'
import { StreamSlots } from './stream-slots.ts'

declare module 'fastify' {
  interface FastifyInstance {
    jobStore: JobStore
    notifications: NotificationStore
    jobEvents: JobEvents
    jobFeed: JobFeed
    jobStreamSlots: StreamSlots
  }
}

export default fp<{ offline?: boolean }>(async function jobStore (fastify, opts) {
  const pool = fastify.pg.pool
  const config = fastify.config
  const store = new JobStore(pool, { retentionHours: config.JOB_FILE_RETENTION_HOURS, webhookAttempts: config.WEBHOOK_MAX_ATTEMPTS })
  fastify.decorate('jobStore', store)
  fastify.decorate('notifications', new NotificationStore(pool))
  const events = new JobEvents(config.DATABASE_URL, fastify.log)
  if (opts.offline !== true) await events.start()
  fastify.decorate('jobEvents', events)
  fastify.decorate('jobFeed', new JobFeed(events, (agencyId, id) => store.get(agencyId, id), fastify.log))
  fastify.decorate('jobStreamSlots', new StreamSlots({ perUser: config.JOB_EVENTS_MAX_PER_USER, perProcess: config.JOB_EVENTS_MAX_PER_PROCESS }))
  fastify.addHook('onClose', () => events.close())
}, { name: 'job-store', dependencies: ['postgres'] })
