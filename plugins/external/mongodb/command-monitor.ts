// Driver command and pool monitoring: a duration histogram per collection and
// command, pool gauges and check-out waits, and a slow-command log that carries
// the query's shape (field names and operators) but never its values. Listeners
// (the performance report) hear of every finished command, and the pools' state
// can be read at any time (the operator's /ops/pools).
import type { FastifyBaseLogger } from 'fastify'
import type { MongoClient, Document, CommandStartedEvent, CommandSucceededEvent, CommandFailedEvent } from 'mongodb'
import type { Registry } from '@platformatic/prom-client'
import { LATENCY_BUCKETS, promClient } from '../metrics.ts'
import { queryShape } from './query-shape.ts'

interface MonitorOptions {
  registry: Registry
  log: FastifyBaseLogger
  slowMs: number
}

interface InFlight { collection: string, command: Document }

export interface FinishedCommand {
  collection: string
  commandName: string
  /** the command as sent: for its shape, never to be logged as it is */
  command: Document
  durationMs: number
  ok: boolean
}

export interface PoolState { address: string, open: number, checkedOut: number, waiting: number }

export interface CommandMonitor {
  onCommand: (listener: (finished: FinishedCommand) => void) => void
  pools: () => PoolState[]
  /** operations waiting for a pooled connection now, over every server */
  waiting: () => number
}

// Commands the driver sends for itself; they would drown the per-collection figures.
const INTERNAL = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'buildInfo', 'saslStart', 'saslContinue', 'endSessions', 'killCursors'])

function collectionOf (event: CommandStartedEvent): string {
  const target = event.command[event.commandName] as unknown
  if (event.commandName === 'getMore') return String(event.command.collection)
  return typeof target === 'string' ? target : '-'
}

export function monitorCommands (client: MongoClient, { registry, log, slowMs }: MonitorOptions): CommandMonitor {
  const duration = new promClient.Histogram({
    name: 'haven_mongodb_command_duration_seconds',
    help: 'MongoDB command duration by collection, command and outcome',
    labelNames: ['collection', 'command', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry]
  })
  const connections = new promClient.Gauge({
    name: 'haven_mongodb_pool_connections',
    help: 'Connections in the driver pool by server and state (open, checked_out)',
    labelNames: ['address', 'state'] as const,
    registers: [registry]
  })
  const waiting = new promClient.Gauge({
    name: 'haven_mongodb_pool_wait_queue',
    help: 'Operations waiting for a pooled connection',
    labelNames: ['address'] as const,
    registers: [registry]
  })
  const checkoutFailures = new promClient.Counter({
    name: 'haven_mongodb_pool_checkout_failures_total',
    help: 'Failed connection check-outs by reason (timeout, poolClosed, connectionError)',
    labelNames: ['address', 'reason'] as const,
    registers: [registry]
  })
  const checkoutWait = new promClient.Histogram({
    name: 'haven_mongodb_pool_checkout_seconds',
    help: 'Time an operation waited for a pooled connection (0 when one was idle)',
    labelNames: ['address'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry]
  })
  const poolCleared = new promClient.Counter({
    name: 'haven_mongodb_pool_cleared_total',
    help: 'Times a server pool was cleared after a network error or failover',
    labelNames: ['address'] as const,
    registers: [registry]
  })

  const inFlight = new Map<number, InFlight>()
  const listeners: Array<(finished: FinishedCommand) => void> = []
  const pools = new Map<string, PoolState>()
  const poolOf = (address: string) => {
    let pool = pools.get(address)
    if (pool === undefined) {
      pool = { address, open: 0, checkedOut: 0, waiting: 0 }
      pools.set(address, pool)
    }
    return pool
  }

  client.on('commandStarted', (event) => {
    if (INTERNAL.has(event.commandName)) return
    inFlight.set(event.requestId, { collection: collectionOf(event), command: event.command })
  })

  const finish = (event: CommandSucceededEvent | CommandFailedEvent, outcome: 'ok' | 'error') => {
    const started = inFlight.get(event.requestId)
    if (started === undefined) return
    inFlight.delete(event.requestId)
    duration.observe({ collection: started.collection, command: event.commandName, outcome }, event.duration / 1000)
    for (const listener of listeners) {
      listener({ collection: started.collection, commandName: event.commandName, command: started.command, durationMs: event.duration, ok: outcome === 'ok' })
    }
    if (event.duration >= slowMs) {
      log.warn({
        slowQuery: {
          collection: started.collection,
          command: event.commandName,
          durationMs: Math.round(event.duration),
          shape: queryShape(event.commandName, started.command)
        }
      }, 'slow MongoDB command')
    }
  }
  client.on('commandSucceeded', (event) => finish(event, 'ok'))
  client.on('commandFailed', (event) => finish(event, 'error'))

  client.on('connectionCreated', (event) => {
    poolOf(event.address).open++
    connections.inc({ address: event.address, state: 'open' })
  })
  client.on('connectionClosed', (event) => {
    poolOf(event.address).open--
    connections.dec({ address: event.address, state: 'open' })
  })
  client.on('connectionCheckOutStarted', (event) => {
    poolOf(event.address).waiting++
    waiting.inc({ address: event.address })
  })
  client.on('connectionCheckedOut', (event) => {
    const pool = poolOf(event.address)
    pool.waiting--
    pool.checkedOut++
    waiting.dec({ address: event.address })
    connections.inc({ address: event.address, state: 'checked_out' })
    checkoutWait.observe({ address: event.address }, event.durationMS / 1000)
  })
  client.on('connectionCheckOutFailed', (event) => {
    poolOf(event.address).waiting--
    waiting.dec({ address: event.address })
    checkoutFailures.inc({ address: event.address, reason: String(event.reason) })
    checkoutWait.observe({ address: event.address }, event.durationMS / 1000)
  })
  client.on('connectionCheckedIn', (event) => {
    poolOf(event.address).checkedOut--
    connections.dec({ address: event.address, state: 'checked_out' })
  })
  client.on('connectionPoolCleared', (event) => poolCleared.inc({ address: event.address }))

  return {
    onCommand: (listener) => { listeners.push(listener) },
    pools: () => [...pools.values()].map((pool) => ({ ...pool })),
    waiting: () => {
      // One pool per server: a handful at most, read on every request by load shedding.
      let waiting = 0
      for (const pool of pools.values()) waiting += pool.waiting
      return waiting
    }
  }
}
