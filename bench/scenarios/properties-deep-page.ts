// GET /v1/properties deep in the list: follows nextCursor to page 50 (or the last page the
// dataset has), then asks for that page again and again. Keyset cursors make page 50 cost what
// page 1 costs on MongoDB; an offset would not.
import type { Scenario } from './types.ts'

const LIMIT = 25
const TARGET_PAGE = 50

export const propertiesDeepPage: Scenario = {
  name: 'properties-deep-page',
  summary: `GET /v1/properties?limit=${LIMIT}&cursor=…: page ${TARGET_PAGE} (or the last) of the list by name`,
  server: 'haven',
  scanDominated: true,
  async prepare (target) {
    const first = `/v1/properties?limit=${LIMIT}`
    let path = first
    let page = 1
    // At most TARGET_PAGE requests: one per page.
    while (page < TARGET_PAGE) {
      const body = await target.fetchJson(path, { headers: target.auth }) as { nextCursor: string | null }
      if (body.nextCursor === null) break
      path = `${first}&cursor=${encodeURIComponent(body.nextCursor)}`
      page++
    }
    return { requests: [{ method: 'GET', path, headers: target.auth }], extra: { page, itemsBefore: (page - 1) * LIMIT } }
  }
}
