import { Type, type Static } from 'typebox'
import { IsoDateTime, ObjectIdString, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from './common.ts'

export const Notification = Type.Object({
  id: ObjectIdString,
  jobId: ObjectIdString,
  event: Type.String({ description: 'job.succeeded, job.failed or job.cancelled' }),
  title: Type.String(),
  createdAt: IsoDateTime,
  readAt: Type.Union([IsoDateTime, Type.Null()])
})
export type Notification = Static<typeof Notification>

export const NotificationListQuery = Type.Object({
  unread: Type.Optional(Type.Boolean({ default: true, description: 'only unread notifications (false: all of them)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_LIMIT_MAX, default: PAGE_LIMIT_DEFAULT })),
  cursor: Type.Optional(Type.String({ pattern: '^[a-f0-9]{24}$', description: 'nextCursor of the previous page' }))
}, { additionalProperties: false })

export const ReadAll = Type.Object({ marked: Type.Integer({ minimum: 0, description: 'notifications marked read' }) })
