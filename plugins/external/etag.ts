// ETag on every response and 304 when If-None-Match matches, so polling clients
// (the PWA, dashboards) skip the body when nothing changed. Weak: the tag is a
// hash of the serialized body, not a byte-for-byte promise across encodings.
// FNV-1a, not SHA-1: a tag only has to change when the body does, and hashing
// every body with SHA-1 cost a few percent of each request. Cached bodies (the
// dashboard) bring their own tag, computed once.
import fp from 'fastify-plugin'
import etag, { fnv1a } from '@fastify/etag'

export default fp(async function etags (fastify) {
  await fastify.register(etag, { weak: true, hashFn: fnv1a })
}, { name: 'etag' })
