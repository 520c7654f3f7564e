// GET /v1/charges?limit=100: a full page of a list, as the web app reads it, with and
// without response compression. Each scenario measures the same page; prepare weighs
// the body as it travels in its encoding and beside the uncompressed one, so the report
// gives bytes per response and the shrink factor next to the requests per second.
import { request } from 'node:http'
import type { Scenario } from './types.ts'

const PATH = '/v1/charges?limit=100'

/** The body's size on the wire for an Accept-Encoding (node:http leaves it encoded, unlike fetch). */
function wireBytes (baseUrl: string, headers: Record<string, string>): Promise<{ bytes: number, encoding: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(`${baseUrl}${PATH}`, { headers, timeout: 30_000 }, (response) => {
      let bytes = 0
      response.on('data', (chunk: Buffer) => { bytes += chunk.length })
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`GET ${PATH} answered ${response.statusCode}`))
        else resolve({ bytes, encoding: response.headers['content-encoding'] ?? 'identity' })
      })
    })
    sent.on('error', reject)
    sent.end()
  })
}

function chargesPage (name: string, acceptEncoding: string | null): Scenario {
  const encoding: Record<string, string> = acceptEncoding === null ? {} : { 'accept-encoding': acceptEncoding }
  return {
    name,
    summary: `GET ${PATH}: a 100-item page, ${acceptEncoding === null ? 'uncompressed' : `Accept-Encoding: ${acceptEncoding}`}`,
    server: 'haven',
    scanDominated: true,
    async prepare (target) {
      const page = await target.fetchJson(PATH, { headers: target.auth }) as { items: unknown[] }
      if (page.items.length < 100) throw new Error(`${name} needs 100 charges in the agency, found ${page.items.length}`)
      const plain = await wireBytes(target.baseUrl, target.auth)
      const sent = await wireBytes(target.baseUrl, { ...target.auth, ...encoding })
      return {
        requests: [{ method: 'GET', path: PATH, headers: { ...target.auth, ...encoding } }],
        extra: { items: page.items.length, encoding: sent.encoding, bodyBytes: sent.bytes, uncompressedBytes: plain.bytes, shrinkFactor: Math.round(plain.bytes / sent.bytes * 10) / 10 }
      }
    }
  }
}

export const chargesPagePlain = chargesPage('charges-page', null)
export const chargesPageGzip = chargesPage('charges-page-gzip', 'gzip')
export const chargesPageBrotli = chargesPage('charges-page-br', 'br, gzip')
