// The export step of the users workload switches itself on when the server answers the export
// routes (POST /v1/exports → 202 + Location: /v1/jobs/:id, GET /v1/jobs/:id), found in its
// OpenAPI document, so the same scenario runs before and after they exist.
import type { Exports } from './workload.ts'

/** Exports are on once the server documents both routes. */
export async function detectExports (baseUrl: string): Promise<Exports | undefined> {
  const doc = await fetch(`${baseUrl}/docs/json`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.ok ? r.json() : undefined, () => undefined) as
    { paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { properties?: { resource?: { enum?: string[], anyOf?: Array<{ const?: string }> } } } }> } }>> } | undefined
  // A route declared as '/' under its folder's prefix is documented with the trailing slash.
  const start = (doc?.paths?.['/v1/exports'] ?? doc?.paths?.['/v1/exports/'])?.post
  if (start === undefined || doc?.paths?.['/v1/jobs/{id}']?.get === undefined) return undefined
  const resource = start.requestBody?.content?.['application/json']?.schema?.properties?.resource
  const resources = resource?.enum ?? resource?.anyOf?.flatMap((option) => option.const === undefined ? [] : [option.const]) ?? []
  return { resource: resources.includes('leases') ? 'leases' : resources[0] ?? 'leases' }
}
