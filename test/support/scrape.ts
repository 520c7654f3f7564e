// Reads an app's Prometheus text the way a scraper does. Tests go through this
// one function, so how the scraper is let in is decided in one place: like
// Prometheus, it sends the operator's token (OPS_TOKEN from test/helper.ts).
import type { App } from '../helper.ts'
import { operatorHeaders } from './operator.ts'

export async function scrape (app: App) {
  return await app.inject({ method: 'GET', url: '/metrics', headers: operatorHeaders(app) })
}
