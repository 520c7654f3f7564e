// What a scenario is: the requests one benchmark sends, against which server, worked out once
// per configuration before the load starts (logins, ids, cursors).
import type { Request } from 'autocannon'
import type { AgencyPlan, SeedPlan } from '../../scripts/seed/plan.ts'
import type { LoadSettings, Measurement } from '../load.ts'

/**
 * haven runs in the optimised and the unoptimised configuration; a ceiling runs alone, as
 * baseline, and so does the peer (the conventional Express stack serving Haven's cached body).
 */
export type ServerKind = 'haven' | 'ceiling-node-http' | 'ceiling-fastify' | 'peer-express'

export interface Target {
  baseUrl: string
  /** the API process under test (its CPU and memory are sampled) */
  serverPid: number
  /** the dataset the server reads */
  plan: SeedPlan
  /** the agency scenarios act in: the largest one */
  agency: AgencyPlan
  /** Authorization header of the agency's owner (haven only) */
  auth: Record<string, string>
  /** Authorization header of the platform operator, for /metrics and /ops/ (haven only) */
  opsAuth: Record<string, string>
  /** one request before the load, to find ids and cursors; throws unless it answers 2xx */
  fetchJson: (path: string, init?: { method?: string, body?: unknown, headers?: Record<string, string> }) => Promise<unknown>
  /** the worker process (HAVEN_ROLE=worker) beside the API, for scenarios that ask for one */
  worker: WorkerHandle | null
}

export interface WorkerHandle {
  pid: () => number
  /** a fresh process (its memory starts from nothing again) */
  restart: () => Promise<void>
}

export interface Load {
  /** the request sequence each connection repeats */
  requests: Request[]
  /** facts for the report (e.g. how deep a page is) */
  extra?: Record<string, unknown>
  /** facts only known once the load has run (e.g. the cache hit rate); merged into extra */
  finish?: () => Promise<Record<string, unknown>>
  /**
   * A measurement of its own instead of autocannon over `requests` (background jobs:
   * rows per second, start latency), with the same figures and one entry per round.
   */
  run?: (settings: LoadSettings) => Promise<Measurement>
}

export interface Scenario {
  name: string
  /** one line for the report */
  summary: string
  server: ServerKind
  /**
   * mongo-java-server answers this with a collection scan (it uses no secondary index), so on
   * that server the figure says little about MongoDB; the report marks it.
   */
  scanDominated: boolean
  /** runs a worker process beside the API (exports and other background jobs) */
  worker?: true
  prepare: (target: Target) => Promise<Load>
}
