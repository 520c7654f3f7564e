import type { Scenario } from './types.ts'

export const ceilingNodeHttp: Scenario = {
  name: 'ceiling-node-http',
  summary: 'bare node:http server, small JSON body: the most this machine serves',
  server: 'ceiling-node-http',
  scanDominated: false,
  prepare: async () => ({ requests: [{ method: 'GET', path: '/' }] })
}
