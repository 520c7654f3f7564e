// Security headers for a JSON API (the OWASP REST set): no framing, no MIME
// sniffing, HTTPS only, and a CSP that lets a response load nothing. Every
// response header costs measurably on a hot route (Node validates and writes
// each one), so this is that set and no more: helmet's document-oriented extras
// (referrer, DNS prefetch, download, cross-domain, XSS-auditor headers) do
// nothing for JSON, and helmet rebuilt its CSP string on every response. They
// never change, so they come from one frozen object. The docs UI (/docs)
// replaces the CSP with the one it needs (@fastify/swagger-ui staticCSP).
import fp from 'fastify-plugin'

const HEADERS = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY'
})

export default fp(async function securityHeaders (fastify) {
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(HEADERS)
    done()
  })
}, { name: 'security-headers' })
