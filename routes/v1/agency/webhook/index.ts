// The agency's webhook (admin): where finished jobs are announced, signed with
// HMAC-SHA256 (see plugins/app/webhooks). The secret is shown once, when it is
// made; rotating it keeps the previous one signing for a day.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors, NoBody } from '../../../../schemas/common.ts'
import { Webhook, WebhookPut } from '../../../../schemas/webhook.ts'
import type { WebhookSettings } from '../../../../plugins/app/repositories/agencies.ts'

function presentWebhook (settings: WebhookSettings, showSecret: boolean) {
  return {
    url: settings.url,
    ...(showSecret ? { secret: settings.secret } : {}),
    secretHint: settings.secret.slice(-4),
    previousSecretExpiresAt: settings.previousSecretExpiresAt?.toISOString() ?? null,
    createdAt: settings.createdAt.toISOString(),
    updatedAt: settings.updatedAt.toISOString()
  }
}

const webhook: FastifyPluginAsyncTypebox = async (fastify) => {
  const notConfigured = () => fastify.httpErrors.notFound('This agency has no webhook')
  const TAGS = ['agency']

  fastify.get('/', {
    config: { minRole: 'admin' },
    schema: { operationId: 'getWebhook', tags: TAGS, summary: 'The agency\'s webhook (admin)', response: { 200: Webhook, ...errors(401, 403, 404) } }
  }, async (request) => {
    const settings = await fastify.repos.agencies.findWebhook(request.auth.agencyId)
    if (settings === null) throw notConfigured()
    return presentWebhook(settings, false)
  })

  fastify.put('/', {
    config: { minRole: 'admin' },
    schema: {
      operationId: 'setWebhook',
      tags: TAGS,
      summary: 'Set the agency\'s webhook URL (admin); the first time, answers 201 with its secret',
      description: 'The URL must be https and resolve only to public addresses (400 WEBHOOK_URL_REFUSED otherwise).',
      body: WebhookPut,
      response: { 200: Webhook, 201: Webhook, ...errors(400, 401, 403, 409) }
    }
  }, async (request, reply) => {
    const { settings, created } = await fastify.webhooks.configure(request.auth.agencyId, request.body.url)
    reply.code(created ? 201 : 200)
    return presentWebhook(settings, created)
  })

  fastify.post('/secret-rotation', {
    config: { minRole: 'admin' },
    schema: { operationId: 'rotateWebhookSecret', tags: TAGS, summary: 'Make a new signing secret (admin); the previous one also signs for 24 hours', body: NoBody, response: { 200: Webhook, ...errors(401, 403, 404, 409) } }
  }, async (request) => {
    const settings = await fastify.webhooks.rotateSecret(request.auth.agencyId)
    if (settings === null) throw notConfigured()
    return presentWebhook(settings, true)
  })

  fastify.delete('/', {
    config: { minRole: 'admin' },
    schema: { operationId: 'deleteWebhook', tags: TAGS, summary: 'Remove the agency\'s webhook (admin)', response: { 204: { type: 'null' }, ...errors(401, 403, 404) } }
  }, async (request, reply) => {
    if (!await fastify.repos.agencies.removeWebhook(request.auth.agencyId)) throw notConfigured()
    return reply.code(204).send(null)
  })
}

export default webhook
