import { Type, type Static } from 'typebox'

// Every error body has this shape; `code` is stable and meant for programs,
// `message` is for people and may change.
export const ErrorResponse = Type.Object({
  statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
  code: Type.String({ description: 'stable machine-readable error code', examples: ['VALIDATION_ERROR', 'NOT_FOUND'] }),
  error: Type.String({ description: 'HTTP status text' }),
  message: Type.String(),
  requestId: Type.String(),
  details: Type.Optional(Type.Array(Type.Object({
    path: Type.String({ description: 'JSON pointer to the offending input' }),
    message: Type.String()
  })))
}, { $id: 'ErrorResponse', description: 'Error' })

export type ErrorResponse = Static<typeof ErrorResponse>
