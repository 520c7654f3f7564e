// npm run ops-proxy -- [--target URL] [--port N]: the operator's door for a browser.
// /ops/ and /metrics answer only requests that carry the operator's token, and a
// browser cannot add a header to a page it opens; this proxy, on the operator's
// own machine (127.0.0.1 only), adds `Authorization: Bearer $OPS_TOKEN` to every
// request it forwards to the target Haven (any instance, or the load balancer),
// so http://127.0.0.1:<port>/ops/ opens the status page. The token stays in this
// process's environment; the browser never holds it. Only /ops/ and /metrics go
// through: the proxy never becomes a way into anything else with the token.
import Fastify from 'fastify'
import proxy from '@fastify/http-proxy'
import { parseArgs } from 'node:util'

export async function opsProxy (upstream: URL, operatorToken: string) {
  const server = Fastify({ logger: { level: 'warn' } })
  const addToken = { rewriteRequestHeaders: (_request: unknown, headers: Record<string, unknown>) => ({ ...headers, authorization: `Bearer ${operatorToken}` }) }
  for (const prefix of ['/ops', '/metrics']) {
    await server.register(proxy, { upstream: upstream.origin, prefix, rewritePrefix: prefix, replyOptions: addToken })
  }
  return server
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { target: { type: 'string', default: 'http://127.0.0.1:3000' }, port: { type: 'string', default: '9400' } } })
  const token = process.env.OPS_TOKEN ?? ''
  if (token.length < 32) {
    process.stderr.write('ops-proxy: set OPS_TOKEN (the operator token of the Haven you open)\n')
    process.exit(78)
  }
  const target = new URL(values.target)
  const server = await opsProxy(target, token)
  await server.listen({ host: '127.0.0.1', port: Number(values.port) })
  process.stderr.write(`ops-proxy: open http://127.0.0.1:${values.port}/ops/ (forwarding /ops/ and /metrics to ${target.origin} with the operator's token)\n`)
}
