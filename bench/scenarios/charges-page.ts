// GET /v1/charges?leaseId=…&limit=100: a full page of a list, as the web app reads it, with
// and without response compression. The lease is one of the long ones (10,000 items), so the
// page holds 100 charges at any scale, and the query is the index-served one. Each scenario
// reads the same page; prepare weighs the body as it travels in its encoding and without
// one, so the report gives bytes per response and the shrink factor beside the requests per
// second, and times compressing that body as the server does (zlib in this process, same Node),
// since on a local MongoDB-compatible server the query, not the encoding, bounds the req/s.
import { request } from 'node:http'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Scenario } from './types.ts'
import { longLeases } from './payments-post-long-ledger.ts'

/** The body as it travels for an Accept-Encoding (node:http leaves it encoded, unlike fetch). */
function wireBody (url: string, headers: Record<string, string>): Promise<{ body: Buffer, encoding: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { headers, timeout: 30_000 }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`GET ${url} answered ${response.statusCode}`))
        else resolve({ body: Buffer.concat(chunks), encoding: response.headers['content-encoding'] ?? 'identity' })
      })
    })
    sent.on('error', reject)
    sent.end()
  })
}

// As @fastify/compress compresses a body it holds whole: brotli at quality 4, gzip at zlib's default level.
const COMPRESS: Record<string, (body: Buffer) => Buffer> = {
  br: (body) => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
  gzip: (body) => gzipSync(body)
}

/** Median milliseconds of 51 compressions of the body in this encoding; 0 for none. */
function compressMs (encoding: string, body: Buffer): number {
  const compress = COMPRESS[encoding]
  if (compress === undefined) return 0
  const times = Array.from({ length: 51 }, () => {
    const started = performance.now()
    compress(body)
    return performance.now() - started
  }).sort((a, b) => a - b)
  return Math.round(times[25]! * 1000) / 1000
}

function chargesPage (name: string, acceptEncoding: string | null): Scenario {
  const encoding: Record<string, string> = acceptEncoding === null ? {} : { 'accept-encoding': acceptEncoding }
  return {
    name,
    summary: `GET /v1/charges?leaseId=…&limit=100: a 100-item page, ${acceptEncoding === null ? 'uncompressed' : `Accept-Encoding: ${acceptEncoding}`}`,
    server: 'haven',
    scanDominated: true,
    async prepare (target) {
      const leaseId = longLeases(target)[0]
      if (leaseId === undefined) throw new Error(`${name} needs a long lease in the dataset's largest agency`)
      const path = `/v1/charges?leaseId=${leaseId}&limit=100`
      const page = await target.fetchJson(path, { headers: target.auth }) as { items: unknown[] }
      if (page.items.length < 100) throw new Error(`${name} needs 100 charges on the lease, found ${page.items.length}`)
      const plain = await wireBody(`${target.baseUrl}${path}`, target.auth)
      const sent = await wireBody(`${target.baseUrl}${path}`, { ...target.auth, ...encoding })
      return {
        requests: [{ method: 'GET', path, headers: { ...target.auth, ...encoding } }],
        extra: {
          items: page.items.length,
          encoding: sent.encoding,
          bodyBytes: sent.body.length,
          uncompressedBytes: plain.body.length,
          shrinkFactor: Math.round(plain.body.length / sent.body.length * 10) / 10,
          compressMs: compressMs(sent.encoding, plain.body)
        }
      }
    }
  }
}

export const chargesPagePlain = chargesPage('charges-page', null)
export const chargesPageGzip = chargesPage('charges-page-gzip', 'gzip')
export const chargesPageBrotli = chargesPage('charges-page-br', 'br, gzip')
