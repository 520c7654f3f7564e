// graphile-worker logs through its own Logger; route it into the app's pino logger
// so job lines carry the same structure and level filtering as request lines.
import type { FastifyBaseLogger } from 'fastify'
import { Logger } from 'graphile-worker'

export function graphileLogger (log: FastifyBaseLogger): Logger {
  const jobLog = log.child({ component: 'graphile-worker' })
  return new Logger((scope) => (level, message, meta) => {
    const fields = { ...scope, ...meta }
    if (level === 'error') jobLog.error(fields, message)
    else if (level === 'warning') jobLog.warn(fields, message)
    else if (level === 'info') jobLog.info(fields, message)
    else jobLog.debug(fields, message)
  })
}
