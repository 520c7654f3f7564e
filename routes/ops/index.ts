// GET /ops/: the operators' status page, for operators without Grafana: live
// figures and the last 24 hours' trends, drawn in the browser from
// /ops/performance with uPlot. Everything it loads comes from this server (uPlot
// from node_modules, no CDN), so its CSP allows 'self' and nothing else. The
// files are few and fixed, so they are read once and served from memory (a
// static-files plugin would serve a folder; these are four named files).
// How an operator opens it: the page is behind the operator's token like every
// /ops/ route; `npm run ops-proxy` (scripts/ops-proxy.ts) adds the token for a
// browser on the operator's machine.
import type { FastifyPluginAsync } from 'fastify'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const here = import.meta.dirname
const uplot = path.dirname(createRequire(import.meta.url).resolve('uplot'))

const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

const ASSETS: Record<string, { file: string, type: string }> = {
  'status-page.js': { file: path.join(here, 'status-page.js'), type: 'text/javascript; charset=utf-8' },
  'status-page.css': { file: path.join(here, 'status-page.css'), type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { file: path.join(uplot, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: path.join(uplot, 'uPlot.min.css'), type: 'text/css; charset=utf-8' }
}

const statusPage: FastifyPluginAsync = async (fastify) => {
  const page = readFileSync(path.join(here, 'status-page.html'))
  const assets = new Map(Object.entries(ASSETS).map(([name, { file, type }]) => [name, { body: readFileSync(file), type }]))

  fastify.get('/', { schema: { summary: 'The operators\' status page' } }, async (_request, reply) =>
    await reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(page))

  fastify.get<{ Params: { name: string } }>('/assets/:name', { schema: { summary: 'The status page\'s scripts and styles' } }, async (request, reply) => {
    const asset = assets.get(request.params.name)
    if (asset === undefined) return reply.callNotFound()
    return await reply.type(asset.type).send(asset.body)
  })
}

export default statusPage
