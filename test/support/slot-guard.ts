// Redis Cluster runs a transaction, a script or a multi-key command only when all
// its keys hash to one slot, and ioredis sends a pipeline to one node only. Whether
// a test's keys happen to land on different nodes depends on their random names,
// so this watches what Haven sends instead, whatever the placement: in a process
// talking to a Redis Cluster, every MULTI and every explicit pipeline must keep all
// its keys in one slot, and every command its own keys. ioredis's auto-pipelines
// are the one exception: ioredis itself batches independent commands per node.
// A spy on ioredis (its Pipeline and Cluster internals), for tests only; the slots
// are the cluster's own answer (CLUSTER KEYSLOT), asked at the end.
import { Cluster, Pipeline, type Command } from 'ioredis'

interface Queued { _queue: Command[], isCluster: boolean }
export interface SlotViolation { what: string, keys: string[], slots: number[] }

/** key groups that must share a slot, by what sent them (deduplicated, bounded) */
const groups = new Map<string, { what: string, keys: string[] }>()
const MAX_GROUPS = 20_000
let installed = false

const keysOf = (command: Command) => command.getKeys().map(String)

function note (what: string, keys: string[]): void {
  if (keys.length < 2 || groups.size >= MAX_GROUPS) return
  const unique = [...new Set(keys)]
  if (unique.length > 1) groups.set(`${what}\n${unique.join('\n')}`, { what, keys: unique })
}

/** ioredis marks its auto-pipelines with a symbol of its own ("exec"). */
const isAutoPipeline = (pipeline: object) => Object.getOwnPropertySymbols(pipeline).some((symbol) => symbol.description === 'exec')

export function installSlotGuard (): void {
  if (installed) return
  installed = true
  const exec = Pipeline.prototype.exec
  Pipeline.prototype.exec = function (this: Pipeline, ...args: Parameters<typeof exec>) {
    const { isCluster, _queue: queue } = this as unknown as Queued
    if (isCluster) {
      const commands = queue.filter((command) => command.name !== 'multi' && command.name !== 'exec')
      if (isAutoPipeline(this)) for (const command of commands) note(command.name, keysOf(command))
      else note(`${queue[0]?.name === 'multi' ? 'MULTI' : 'pipeline'} of ${commands.map((c) => c.name).join(', ')}`, commands.flatMap(keysOf))
    }
    return exec.apply(this, args)
  }
  const send = Cluster.prototype.sendCommand
  Cluster.prototype.sendCommand = function (this: Cluster, command: Command, stream?: unknown, node?: unknown) {
    // Commands of a pipeline were seen above; this sees the ones sent alone.
    if (stream === undefined) note(command.name, keysOf(command))
    return send.call(this, command, stream as Parameters<typeof send>[1], node)
  }
}

/** The groups seen so far whose keys span slots (asking the cluster); clears what it checked. */
export async function slotViolations (cluster: Cluster): Promise<SlotViolation[]> {
  const checked = [...groups.values()]
  groups.clear()
  const violations: SlotViolation[] = []
  for (const { what, keys } of checked) {
    const slots = await Promise.all(keys.map(async (key) => Number(await cluster.cluster('KEYSLOT', key))))
    if (new Set(slots).size > 1) violations.push({ what, keys, slots })
  }
  return violations
}
