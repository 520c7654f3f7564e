// Pub/sub on a Redis Cluster. Classic PUBLISH there answers once the receiving
// node has delivered to its own subscribers, and reaches the other nodes' later,
// over the cluster bus; an instance subscribed elsewhere could then serve a read
// that misses a write the writer has already acknowledged (the dashboard cache
// promises it does not). Sharded pub/sub (SPUBLISH / SSUBSCRIBE, Redis 7) keeps a
// channel on the node that owns its slot: SPUBLISH goes there and answers after
// delivering to the subscribers connected there, as a single Redis does.
// ioredis's own sharded subscribers give no word when a subscription lapses, and
// Haven must know (session revocations then re-read from MongoDB), so this holds
// one plain connection at a time: it says 'ready' when connected (and, once it
// has channels, subscribed), 'close' when the connection drops, follows MOVED to
// the slot's owner, and after a loss tries the next node, backing off as the
// main client does. Its channels must share a slot (SSUBSCRIBE's own rule).
import { EventEmitter } from 'node:events'
import { Redis, type RedisOptions } from 'ioredis'
import type { RedisNode } from '../../../config.ts'

/** What Haven's subscribers use: a single Redis's duplicate() is one too. */
export interface RedisSubscriber {
  subscribe: (...channels: string[]) => Promise<unknown>
  on: ((event: 'ready' | 'close', listener: () => void) => unknown) &
    ((event: 'error', listener: (err: Error) => void) => unknown) &
    ((event: 'message', listener: (channel: string, message: string) => void) => unknown)
  disconnect: () => void
}

export const reconnectDelay = (attempt: number) => Math.min(attempt * 100, 2_000)

export interface ClusterSubscriberOptions {
  /** where to connect, asked again before each connection */
  nodes: () => RedisNode[]
  /** an address a node announces (in MOVED) → where this process reaches it */
  reach: (node: RedisNode) => RedisNode
  /** ioredis prefixes SPUBLISH's channel like a key: subscribers name it the same way */
  keyPrefix: string
  /** credentials, TLS and timeouts of each connection */
  connection: RedisOptions
}

export class ClusterSubscriber extends EventEmitter implements RedisSubscriber {
  readonly #options: ClusterSubscriberOptions
  readonly #channels = new Set<string>()
  #connection: Redis | null = null
  /** the slot owner a MOVED named: the next connection goes there, at once */
  #redirect: RedisNode | null = null
  #next = 0
  #failures = 0
  #timer: NodeJS.Timeout | null = null
  #stopped = false

  constructor (options: ClusterSubscriberOptions) {
    super()
    this.#options = options
    this.#connect()
  }

  #connect (): void {
    const nodes = this.#options.nodes()
    const node = this.#redirect ?? nodes[this.#next++ % nodes.length]!
    this.#redirect = null
    // No reconnection of its own: a lost connection ends, and the next one is chosen afresh.
    const connection = new Redis({ ...this.#options.connection, ...node, retryStrategy: () => null })
    this.#connection = connection
    let ready = false
    connection.on('error', (err: Error) => { if (this.listenerCount('error') > 0) this.emit('error', err) })
    connection.on('smessage', (channel: string, message: string) => this.emit('message', channel.slice(this.#options.keyPrefix.length), message))
    // The slot moved (resharding, failover): the server unsubscribed us.
    connection.on('moved', () => connection.disconnect())
    connection.on('ready', () => {
      this.#subscribeOn(connection, [...this.#channels]).then(() => {
        ready = true
        this.#failures = 0
        this.emit('ready')
      }, () => undefined)
    })
    connection.once('end', () => {
      if (ready) this.emit('close')
      if (this.#stopped) return
      const delay = this.#redirect !== null ? 0 : reconnectDelay(++this.#failures)
      this.#timer = setTimeout(() => this.#connect(), delay)
      this.#timer.unref()
    })
  }

  /** SSUBSCRIBE on this connection; a MOVED sends the next connection to the slot's owner. */
  async #subscribeOn (connection: Redis, channels: string[]): Promise<void> {
    if (channels.length === 0) return
    try {
      await connection.ssubscribe(...channels.map((channel) => this.#options.keyPrefix + channel))
    } catch (err) {
      const moved = /^MOVED \d+ (.+):(\d+)$/.exec((err as Error).message)
      if (moved !== null) this.#redirect = this.#options.reach({ host: moved[1]!, port: Number(moved[2]) })
      connection.disconnect()
      throw err
    }
  }

  async subscribe (...channels: string[]): Promise<unknown> {
    for (const channel of channels) this.#channels.add(channel)
    if (this.#connection?.status !== 'ready') throw new Error('not connected; subscribes on the next connection')
    await this.#subscribeOn(this.#connection, channels)
    return channels.length
  }

  disconnect (): void {
    this.#stopped = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#connection?.disconnect()
  }
}
