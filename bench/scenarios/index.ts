// Every scenario npm run bench knows, in the order they run and are reported. A new scenario
// is one file beside this one, added here.
import { ceilingFastify } from './ceiling-fastify.ts'
import { ceilingNodeHttp } from './ceiling-node-http.ts'
import { propertiesDeepPage } from './properties-deep-page.ts'
import { propertiesList } from './properties-list.ts'
import type { Scenario } from './types.ts'

export const SCENARIOS: readonly Scenario[] = [ceilingNodeHttp, ceilingFastify, propertiesList, propertiesDeepPage]
