import type { Scenario } from './types.ts'

export const ceilingFastify: Scenario = {
  name: 'ceiling-fastify',
  summary: 'bare Fastify route, same body: the framework without Haven',
  server: 'ceiling-fastify',
  scanDominated: false,
  prepare: async () => ({ requests: [{ method: 'GET', path: '/' }] })
}
