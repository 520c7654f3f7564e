import { Type } from 'typebox'

const Probe = Type.Object({
  status: Type.Enum(['up', 'down']),
  required: Type.Boolean({ description: 'a required dependency down makes the instance not ready' }),
  latencyMs: Type.Optional(Type.Integer({ description: 'operator only (OPS_TOKEN)' })),
  error: Type.Optional(Type.String({ description: 'operator only (OPS_TOKEN): what the probe said' }))
})

export const Liveness = Type.Object({ status: Type.Literal('ok') })

export const Readiness = Type.Object({
  status: Type.Enum(['ready', 'degraded', 'not-ready'], { description: 'degraded: an optional dependency (Redis) is down' }),
  overloaded: Type.Boolean({ description: 'the instance is shedding load' }),
  draining: Type.Optional(Type.Boolean({ description: 'the instance is shutting down: it finishes what it has, the balancer should send it nothing new' })),
  dependencies: Type.Object({ mongodb: Probe, postgres: Probe, redis: Probe })
})
