// What the stack needs to know about each server, and the life cycle they all share.
import { rm } from 'node:fs/promises'
import type { StackLayout } from './profile.ts'
import { isPortOpen, runningPid, stopProcess, waitForPort } from './process.ts'

export interface StackUrls {
  MONGODB_URL: string
  DATABASE_URL: string
  REDIS_URL: string
  /** the Redis Cluster's seed nodes (REDIS_URL with REDIS_CLUSTER=true), when the stack runs one */
  REDIS_CLUSTER_URL?: string
}

export interface Service {
  name: string
  urlVariable: keyof StackUrls
  /** appears in the server's command line; tells our server from a process that reused its pid */
  programName: string
  stopSignal: NodeJS.Signals
  port: (layout: StackLayout) => number
  url: (layout: StackLayout) => string
  pidFile: (layout: StackLayout) => string
  logFile: (layout: StackLayout) => string
  /** Installs what is missing, starts the server detached and resolves once it accepts connections. */
  start: (layout: StackLayout) => Promise<void>
}

/**
 * up: ours runs and listens. starting: ours runs but does not listen (yet).
 * port-in-use: something this stack did not start holds the port.
 */
export type ServiceState = 'up' | 'starting' | 'down' | 'port-in-use'

export async function serviceState (service: Service, layout: StackLayout): Promise<ServiceState> {
  const [pid, listening] = await Promise.all([
    runningPid(service.pidFile(layout), service.programName),
    isPortOpen(service.port(layout))
  ])
  if (pid !== undefined) return listening ? 'up' : 'starting'
  return listening ? 'port-in-use' : 'down'
}

/** Starts the service unless it already runs; true when this call started it. */
export async function ensureRunning (service: Service, layout: StackLayout): Promise<boolean> {
  const state = await serviceState(service, layout)
  switch (state) {
    case 'up':
      return false
    case 'starting':
      await waitForPort({
        what: service.name,
        port: service.port(layout),
        logFile: service.logFile(layout),
        isRunning: async () => await runningPid(service.pidFile(layout), service.programName) !== undefined
      })
      return false
    case 'port-in-use':
      throw new Error(`${service.name}: 127.0.0.1:${service.port(layout)} is taken by a process this stack did not start; ` +
        'stop it, or pick another port with the HAVEN_*_PORT variables')
    case 'down':
      // A server killed with its machine leaves its pid file behind; the start would
      // read that file's dead pid as "the new server exited".
      await rm(service.pidFile(layout), { force: true })
      await service.start(layout)
      return true
  }
}

/** Stops the server named by the service's pid file; false when none was running. */
export async function stopService (service: Service, layout: StackLayout): Promise<boolean> {
  const pidFile = service.pidFile(layout)
  const pid = await runningPid(pidFile, service.programName)
  if (pid !== undefined) await stopProcess(pid, service.programName, service.stopSignal)
  // PostgreSQL and Redis remove theirs on exit, the mongo launcher does not; a killed server leaves one.
  await rm(pidFile, { force: true })
  return pid !== undefined
}
