// GET /v1/agency: the hot-path shape DESIGN §4 asks for: token check, the rate limiter's Redis
// round trip, and one lookup by _id. The local server answers _id lookups as MongoDB does, so
// this is the figure that transfers best from this machine.
import type { Scenario } from './types.ts'

export const agencyGet: Scenario = {
  name: 'agency-get',
  summary: 'GET /v1/agency: token, rate limit (Redis) and one _id lookup',
  server: 'haven',
  scanDominated: false,
  async prepare (target) {
    await target.fetchJson('/v1/agency', { headers: target.auth })
    return { requests: [{ method: 'GET', path: '/v1/agency', headers: target.auth }] }
  }
}
