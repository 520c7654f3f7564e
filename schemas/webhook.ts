import { Type } from 'typebox'
import { IsoDateTime } from './common.ts'

export const WebhookPut = Type.Object({
  url: Type.String({ minLength: 8, maxLength: 2_000, description: 'an https URL on a public address; it receives job.succeeded, job.failed and job.cancelled events' })
}, { additionalProperties: false })

export const Webhook = Type.Object({
  url: Type.String(),
  secret: Type.Optional(Type.String({ description: 'the signing secret: shown only when it is made (first configuration, rotation); keep it safe' })),
  secretHint: Type.String({ description: 'the secret\'s last four characters' }),
  previousSecretExpiresAt: Type.Union([IsoDateTime, Type.Null()], { description: 'after a rotation, events are also signed with the previous secret until then' }),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})
