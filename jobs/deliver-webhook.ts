// Posts one signed job event to the agency's webhook (plugins/app/webhooks).
// A refused or failed attempt throws, and the queue retries it with its backoff
// up to WEBHOOK_MAX_ATTEMPTS; an event the receiver accepted is never posted again.
import type { FastifyInstance } from 'fastify'
import type { Task } from 'graphile-worker'
import { ObjectId } from 'mongodb'

export function deliverWebhook (app: FastifyInstance): Task {
  return async (payload, helpers) => {
    const { deliveryId, agencyId } = payload as { deliveryId: string, agencyId: string }
    const outcome = await app.webhooks.deliver(new ObjectId(agencyId), deliveryId)
    helpers.logger.info(`webhook ${deliveryId}: ${outcome.status}${outcome.httpStatus === undefined ? '' : ` (${outcome.httpStatus})`}`)
  }
}
