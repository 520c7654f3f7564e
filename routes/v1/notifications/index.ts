// The caller's in-app notifications (a job of theirs finished): unread by
// default, newest first; mark one or all read. Only ever the caller's own.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errors, NoBody, ObjectIdString, Page } from '../../../schemas/common.ts'
import { Notification, NotificationListQuery, ReadAll } from '../../../schemas/notification.ts'

const notifications: FastifyPluginAsyncTypebox = async (fastify) => {
  const store = fastify.notifications

  fastify.get('/', {
    schema: { operationId: 'listNotifications', tags: ['notifications'], summary: 'My notifications (unread by default), newest first, by keyset page', querystring: NotificationListQuery, response: { 200: Page(Notification), ...errors(400, 401) } }
  }, async (request) => {
    const { unread, limit, cursor } = request.query
    return await store.list(request.auth.agencyId, request.auth.userId, { unread: unread ?? true, limit: limit ?? 25, cursor })
  })

  fastify.post('/:id/read', {
    config: { minRole: 'viewer' },
    schema: { operationId: 'markNotificationRead', tags: ['notifications'], summary: 'Mark one of my notifications read', params: Type.Object({ id: ObjectIdString }, { additionalProperties: false }), body: NoBody, response: { 200: Notification, ...errors(400, 401, 404) } }
  }, async (request) => {
    const notification = await store.markRead(request.auth.agencyId, request.auth.userId, request.params.id)
    if (notification === null) throw fastify.httpErrors.notFound('No such notification')
    return notification
  })

  fastify.post('/read', {
    config: { minRole: 'viewer' },
    schema: { operationId: 'markAllNotificationsRead', tags: ['notifications'], summary: 'Mark all my notifications read', body: NoBody, response: { 200: ReadAll, ...errors(401) } }
  }, async (request) => ({ marked: await store.markAllRead(request.auth.agencyId, request.auth.userId) }))
}

export default notifications
