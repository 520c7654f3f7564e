// Verifies a webhook Haven sent, for the receiving server. Haven signs
// "<timestamp>.<raw body>" with HMAC-SHA256 and the agency's secret and sends
// Haven-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>] (a second v1 with the
// previous secret for a day after a rotation). Web Crypto, so it runs in
// Node.js, Deno, Bun and edge workers alike; its verify compares in constant time.

export type WebhookFailure = 'MISSING_SIGNATURE' | 'MALFORMED_SIGNATURE' | 'TIMESTAMP_OUT_OF_TOLERANCE' | 'SIGNATURE_MISMATCH'

export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError'
  readonly reason: WebhookFailure

  constructor (reason: WebhookFailure, message: string) {
    super(message)
    this.reason = reason
  }
}

export interface VerifyOptions {
  /** the Haven-Signature header */
  signature: string | null | undefined
  /** the body exactly as received, before any JSON parsing */
  body: string | Uint8Array
  /** the secret (whsec_…), or the current and previous ones while a rotation settles */
  secret: string | readonly string[]
  /** how far the timestamp may be from now (default 300 s): an old delivery replayed is refused */
  toleranceSeconds?: number
  now?: Date
}

const encoder = new TextEncoder()

function parse (header: string): { timestamp: number, signatures: Array<Uint8Array<ArrayBuffer>> } {
  let timestamp: number | undefined
  const signatures: Array<Uint8Array<ArrayBuffer>> = []
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2) as [string, string | undefined]
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value)
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(new Uint8Array(value.match(/../g)!.map((byte) => parseInt(byte, 16))))
  }
  if (timestamp === undefined || signatures.length === 0) throw new WebhookSignatureError('MALFORMED_SIGNATURE', 'Haven-Signature needs t=<seconds> and at least one v1=<hex>')
  return { timestamp, signatures }
}

/** Resolves with the signed timestamp (unix seconds) when a v1 signature matches one of the secrets; otherwise throws WebhookSignatureError. */
export async function verifyWebhook (options: VerifyOptions): Promise<number> {
  const { signature, body, toleranceSeconds = 300, now = new Date() } = options
  if (signature === null || signature === undefined || signature === '') throw new WebhookSignatureError('MISSING_SIGNATURE', 'No Haven-Signature header')
  const { timestamp, signatures } = parse(signature)
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) {
    throw new WebhookSignatureError('TIMESTAMP_OUT_OF_TOLERANCE', `The signature's timestamp is more than ${toleranceSeconds} s from now`)
  }
  const rawBody = typeof body === 'string' ? encoder.encode(body) : body
  const prefix = encoder.encode(`${timestamp}.`)
  const signed = new Uint8Array(prefix.length + rawBody.length)
  signed.set(prefix)
  signed.set(rawBody, prefix.length)
  for (const secret of typeof options.secret === 'string' ? [options.secret] : options.secret) {
    const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    for (const candidate of signatures) {
      if (await crypto.subtle.verify('HMAC', key, candidate, signed)) return timestamp
    }
  }
  throw new WebhookSignatureError('SIGNATURE_MISMATCH', 'No v1 signature matches the secret')
}
