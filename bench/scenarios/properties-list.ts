// GET /v1/properties filtered by the agency's busiest city, first page by name: a list served
// by { agencyId, archived, address.city, name, _id } on MongoDB.
import type { Scenario } from './types.ts'

const LIMIT = 25

export const propertiesList: Scenario = {
  name: 'properties-list',
  summary: `GET /v1/properties?city=…&limit=${LIMIT}: filtered list, cursor page 1`,
  server: 'haven',
  scanDominated: true,
  async prepare (target) {
    const city = target.agency.cities[0]!.name
    const path = `/v1/properties?city=${encodeURIComponent(city)}&limit=${LIMIT}`
    const page = await target.fetchJson(path, { headers: target.auth }) as { items: unknown[] }
    return { requests: [{ method: 'GET', path, headers: target.auth }], extra: { city, items: page.items.length } }
  }
}
