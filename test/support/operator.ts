// The platform operator's credentials for a test app: its OPS_TOKEN as a bearer token.
import type { App } from '../helper.ts'

export function operatorHeaders (app: App): Record<string, string> {
  return { authorization: `Bearer ${app.config.OPS_TOKEN}` }
}

/** GET /ops/cache-stats as the operator: this instance's cache hit rates. */
export async function cacheStats (app: App) {
  const response = await app.inject({ method: 'GET', url: '/ops/cache-stats', headers: operatorHeaders(app) })
  if (response.statusCode !== 200) throw new Error(`/ops/cache-stats answered ${response.statusCode}: ${response.body}`)
  return response.json()
}
