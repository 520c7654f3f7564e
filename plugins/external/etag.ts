// ETag on every response and 304 when If-None-Match matches, so polling clients
// (the PWA, dashboards) skip the body when nothing changed. Weak: the tag is a
// hash of the serialized body, not a byte-for-byte promise across encodings.
import fp from 'fastify-plugin'
import etag from '@fastify/etag'

export default fp(async function etags (fastify) {
  await fastify.register(etag, { weak: true, algorithm: 'sha1' })
}, { name: 'etag' })
