import { Type, type Static } from 'typebox'
import { IsoDateTime, ObjectIdString, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from './common.ts'

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired'] as const
export const JOB_TYPES = ['export', 'import'] as const
export const JobStatus = Type.Enum(JOB_STATUSES)
export const JobType = Type.Enum(JOB_TYPES)

export const Job = Type.Object({
  id: ObjectIdString,
  type: JobType,
  status: JobStatus,
  userId: ObjectIdString,
  params: Type.Record(Type.String(), Type.Unknown(), { description: 'what the job was asked to do (resource, format, filters, columns…)' }),
  priority: Type.Integer({ description: 'lower runs first' }),
  processed: Type.Integer({ minimum: 0, description: 'rows done so far in the current attempt' }),
  total: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  percent: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]),
  rowsPerSecond: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  etaSeconds: Type.Union([Type.Number({ minimum: 0, description: 'estimated time left at the current rate' }), Type.Null()]),
  retry: Type.Object({
    attempts: Type.Integer({ minimum: 0, description: 'attempts started so far' }),
    maxAttempts: Type.Integer({ minimum: 1 }),
    backoff: Type.String({ description: 'how long the queue waits before the next attempt' }),
    nextAttemptAt: Type.Union([IsoDateTime, Type.Null()])
  }),
  cancelRequested: Type.Boolean(),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  download: Type.Union([Type.Object({
    url: Type.String({ description: 'a signed link: works without the Authorization header until expiresAt' }),
    expiresAt: IsoDateTime,
    fileName: Type.String(),
    contentType: Type.String(),
    size: Type.Integer({ minimum: 0 })
  }), Type.Null()]),
  createdAt: IsoDateTime,
  startedAt: Type.Union([IsoDateTime, Type.Null()]),
  updatedAt: IsoDateTime,
  finishedAt: Type.Union([IsoDateTime, Type.Null()]),
  expiresAt: Type.Union([IsoDateTime, Type.Null()])
})
export type Job = Static<typeof Job>

export const JobListQuery = Type.Object({
  type: Type.Optional(JobType),
  status: Type.Optional(JobStatus),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' }))
}, { additionalProperties: false })

export const JobEventsHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$', description: 'the id of the last event received: only a newer state is sent' }))
})
