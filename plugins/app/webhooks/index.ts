// Signed webhooks: when a job finishes, the agency's webhook URL (if it set one)
// gets an HTTPS POST of the event, delivered by the deliver-webhook task with the
// queue's retries and backoff. A delivery row per job and event (unique) is made
// in the transaction that finishes the job, and once a receiver accepts it the
// row says so: a retried task never posts an accepted event again. An attempt
// ends at its deadline (WEBHOOK_TIMEOUT_MS) whatever the receiver does, and the
// task runs in slots of its own (plugins/app/jobs), so receivers we do not
// control cannot hold up anyone's exports or imports.
// Signature (Stripe-style): Haven-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256
// of "<t>.<body>" with the agency's secret>; after a rotation, a second v1 with
// the previous secret for a day. Haven-Webhook-Id names the event for dedupe.
import fp from 'fastify-plugin'
import { createHmac, randomBytes } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import type { ObjectId } from 'mongodb'
import type { WebhookSettings } from '../repositories/agencies.ts'
import { resolveWebhookUrl, type Resolved } from './address-guard.ts'
import { codedError } from '../error-handler.ts'

/** How long the previous secret still signs after a rotation. */
export const ROTATION_GRACE_MS = 24 * 3600_000

export interface DeliveryResult { status: 'delivered' | 'already-delivered' | 'no-webhook', httpStatus?: number }

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: {
      /** Checks a URL (400 WEBHOOK_URL_REFUSED) and stores it, keeping the secret or making the first one; answers the settings. */
      configure: (agencyId: ObjectId, url: string) => Promise<{ settings: WebhookSettings, created: boolean }>
      rotateSecret: (agencyId: ObjectId) => Promise<WebhookSettings | null>
      signature: (settings: WebhookSettings, timestamp: number, body: string, now?: Date) => string
      /** One attempt; throws when the receiver did not accept it (the queue retries). */
      deliver: (agencyId: ObjectId, deliveryId: string) => Promise<DeliveryResult>
    }
  }
}

/** Tries of a webhook change that lost a race (each loss means another change succeeded). */
const CHANGE_ATTEMPTS = 8
const busy = () => codedError(409, 'WEBHOOK_BUSY', 'The webhook was changed by another request at the same time; retry')

/** Bytes of a receiver's answer read at most: its status is what counts, the body is only drained. */
const RESPONSE_BODY_CAP = 64 * 1024

/** The work's outcome, or the deadline's reason if that comes first (a DNS lookup cannot be cancelled, only left behind). */
function beforeDeadline<T> (work: Promise<T>, deadline: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const expire = () => reject(deadline.reason)
    if (deadline.aborted) expire()
    deadline.addEventListener('abort', expire, { once: true })
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', expire))
  })
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`
const hmac = (secret: string, timestamp: number, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')

interface DeliveryRow { id: string, agency_id: string, payload: unknown, delivered_at: Date | null }

export default fp(async function webhooks (fastify) {
  const { repos, config } = fastify
  const pool = fastify.pg.pool
  const allowPrivate = config.WEBHOOK_ALLOW_PRIVATE_URLS

  function signature (settings: WebhookSettings, timestamp: number, body: string, now = new Date()): string {
    const parts = [`t=${timestamp}`, `v1=${hmac(settings.secret, timestamp, body)}`]
    if (settings.previousSecret !== null && settings.previousSecretExpiresAt !== null && settings.previousSecretExpiresAt > now) {
      parts.push(`v1=${hmac(settings.previousSecret, timestamp, body)}`)
    }
    return parts.join(',')
  }

  /**
   * POSTs to the address that was checked (never a second resolution of the name) and
   * answers the receiver's status once its answer is complete or RESPONSE_BODY_CAP bytes
   * of it are in. The deadline aborts it wherever it is: connecting, sending, waiting for
   * the headers or reading the body (a socket idle limit alone would let a receiver that
   * sends a byte now and then hold the delivery for ever).
   */
  function post (target: Resolved, headers: Record<string, string>, body: string, deadline: AbortSignal): Promise<number> {
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all === true) (callback as unknown as (err: null, addresses: Array<{ address: string, family: number }>) => void)(null, [{ address: target.address, family: target.family }])
      else callback(null, target.address, target.family)
    }
    const client = target.url.protocol === 'https:' ? https : http
    return new Promise((resolve, reject) => {
      // agent: false: a connection per attempt, closed with it; no idle sockets to receivers are kept.
      const request = client.request(target.url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: pinned, agent: false, signal: deadline }, (response) => {
        const status = response.statusCode ?? 0
        let read = 0
        response.on('data', (chunk: Buffer) => {
          read += chunk.length
          if (read < RESPONSE_BODY_CAP) return
          resolve(status)
          request.destroy()
        })
        response.on('end', () => resolve(status))
        response.on('error', reject)
      })
      request.on('error', reject)
      request.end(body)
    })
  }

  fastify.decorate('webhooks', {
    async configure (agencyId, url) {
      await resolveWebhookUrl(url, allowPrivate)
      // Each step is one conditional update of the agency document: the URL alone
      // changes, so a rotation running meanwhile never has its secret written back.
      for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
        const now = new Date()
        const changed = await repos.agencies.setWebhookUrl(agencyId, url, now)
        if (changed !== null) return { settings: changed, created: false }
        const made = await repos.agencies.createWebhook(agencyId, { url, secret: newSecret(), previousSecret: null, previousSecretExpiresAt: null, createdAt: now, updatedAt: now })
        if (made !== null) return { settings: made, created: true }
      }
      throw busy()
    },

    async rotateSecret (agencyId) {
      for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
        const current = await repos.agencies.findWebhook(agencyId)
        if (current === null) return null
        const now = new Date()
        const rotated = await repos.agencies.rotateWebhookSecret(agencyId, current.secret, newSecret(), new Date(now.getTime() + ROTATION_GRACE_MS), now)
        if (rotated !== null) return rotated
      }
      throw busy()
    },

    signature,

    async deliver (agencyId, deliveryId) {
      const agency = agencyId.toHexString()
      const { rows } = await pool.query<DeliveryRow>('SELECT id, agency_id, payload, delivered_at FROM webhook_deliveries WHERE id = $1 AND agency_id = $2', [deliveryId, agency])
      const delivery = rows[0]
      if (delivery === undefined || delivery.delivered_at !== null) return { status: 'already-delivered' }
      const settings = await repos.agencies.findWebhook(agencyId)
      if (settings === null) {
        await pool.query("UPDATE webhook_deliveries SET last_error = 'the agency has no webhook any more' WHERE id = $1 AND agency_id = $2", [deliveryId, agency])
        return { status: 'no-webhook' }
      }
      const body = JSON.stringify(delivery.payload)
      const timestamp = Math.floor(Date.now() / 1000)
      let httpStatus = 0
      const deadline = AbortSignal.timeout(config.WEBHOOK_TIMEOUT_MS)
      try {
        const target = await beforeDeadline(resolveWebhookUrl(settings.url, allowPrivate), deadline)
        httpStatus = await post(target, {
          'content-type': 'application/json',
          'user-agent': 'Haven-Webhooks/1',
          'haven-webhook-id': delivery.id,
          'haven-webhook-timestamp': String(timestamp),
          'haven-signature': signature(settings, timestamp, body)
        }, body, deadline)
      } catch (err) {
        const failure = deadline.aborted ? new Error(`the receiver did not answer completely within ${config.WEBHOOK_TIMEOUT_MS} ms`) : err as Error
        await pool.query('UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = NULL, last_error = $3 WHERE id = $1 AND agency_id = $2', [deliveryId, agency, failure.message.slice(0, 500)])
        throw failure
      }
      const accepted = httpStatus >= 200 && httpStatus < 300
      await pool.query(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $3, last_error = $4, delivered_at = CASE WHEN $5 THEN now() ELSE NULL END
         WHERE id = $1 AND agency_id = $2`,
        [deliveryId, agency, httpStatus, accepted ? null : `the receiver answered ${httpStatus}`, accepted])
      if (!accepted) throw new Error(`webhook receiver answered ${httpStatus}`)
      return { status: 'delivered', httpStatus }
    }
  })
}, { name: 'webhooks', dependencies: ['repositories', 'postgres'] })
