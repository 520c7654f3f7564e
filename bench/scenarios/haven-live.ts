// GET /health/live: Haven's plugins and hooks (request id, helmet, metrics, ETag…) with no
// data access and no token: the floor under every route, against the bare Fastify ceiling.
import type { Scenario } from './types.ts'

export const havenLive: Scenario = {
  name: 'haven-live',
  summary: 'GET /health/live: Haven\'s plugin stack with no data access (never rate-limited)',
  server: 'haven',
  scanDominated: false,
  prepare: async () => ({ requests: [{ method: 'GET', path: '/health/live' }] })
}
