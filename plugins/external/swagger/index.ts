// The OpenAPI document, generated from the route schemas, at /docs/json, with a UI at /docs.
// operations.ts adds what every operation shares; npm run openapi writes the same document
// to openapi.json (the committed contract).
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { describeOperation, SECURITY_SCHEMES } from './operations.ts'

export default fp(async function openApi (fastify) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Haven API',
        version: '1.0.0',
        description: 'Property management: agencies, properties, units, tenants, leases, rent and maintenance. ' +
          'Every error body is an ErrorResponse with a stable `code`. Every creating POST takes an Idempotency-Key. ' +
          'Responses are compressed (br or gzip) when the client accepts it.'
      },
      servers: [{ url: '/' }],
      components: { securitySchemes: SECURITY_SCHEMES },
      tags: [
        { name: 'health', description: 'Liveness and readiness' }
      ]
    },
    transform: ({ schema, url, route }) => ({
      url,
      schema: schema === undefined || schema.hide === true ? schema : describeOperation(schema as Record<string, unknown>, url, route) as typeof schema
    }),
    refResolver: {
      // Shared schemas keep their $id as their name in the document.
      buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}`
    }
  })
  // The UI needs scripts and styles: its pages carry their own CSP instead of the API's.
  await fastify.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
  // Its routes are rate-limited and shed like any other: those plugins must see them registered.
}, { name: 'swagger', dependencies: ['rate-limit', 'under-pressure'] })
