// Reads an app's Prometheus text the way a scraper does. Tests go through this
// one function, so how the scraper is let in is decided in one place.
import type { App } from '../helper.ts'

export async function scrape (app: App) {
  return await app.inject({ method: 'GET', url: '/metrics' })
}
