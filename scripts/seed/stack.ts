// The bench profile's servers, with a MongoDB heap sized for the scale asked. mongo-java-server
// keeps every document on the Java heap (about 3 GB per million small documents, DESIGN §7), so
// a server started for a smaller scale is restarted with a larger heap (its datasets, in memory,
// go with it). HAVEN_MONGO_HEAP set by hand wins. Measured live heap after seeding (full GC):
// S 0.65 GB (174k documents), L 8.6 GB (2.29M documents, 32k ledgers of ~10 KB each); L seeds
// in 12g with no full collection, but the export benchmarks at L ran it out of heap (Java's
// OutOfMemoryError): their files live in GridFS on the same heap, and each export of 1.6M
// charges is sorted there in memory (the server uses no index). 16g leaves 8 GiB of the 24 GiB
// machine to Haven and the load; it holds the users workload at L, but an export of 1.6 M charges
// still outlasts the driver's socket limit on this server (README: "Background job figures").
import { readFile } from 'node:fs/promises'
import { stackUp, type StackUrls } from '../stack.ts'
import { mongo } from '../stack/mongo.ts'
import { stackLayout } from '../stack/profile.ts'
import { logProgress } from '../stack/process.ts'
import { stopService } from '../stack/service.ts'
import type { ScaleName } from './plan.ts'

export const HEAP_BY_SCALE: Record<ScaleName, string> = { XS: '1g', S: '2g', M: '4g', L: '16g' }

function bytes (size: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(size)
  if (match === null) return Number.NaN
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  return Number(match[1]) * unit
}

/** The -Xmx of the bench profile's running server, or undefined when none runs. */
async function runningHeap (): Promise<string | undefined> {
  const layout = stackLayout('bench')
  const pid = Number.parseInt(await readFile(mongo.pidFile(layout), 'utf8').catch(() => ''), 10)
  if (!Number.isInteger(pid)) return undefined
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  if (!cmdline.includes(mongo.programName)) return undefined
  return cmdline.split('\0').find((arg) => arg.startsWith('-Xmx'))?.slice(4)
}

export async function benchStackUp (scale: ScaleName): Promise<StackUrls> {
  if (process.env.MONGODB_URL === undefined) {
    const wanted = process.env.HAVEN_MONGO_HEAP || HEAP_BY_SCALE[scale]
    const running = await runningHeap()
    if (running !== undefined && bytes(running) < bytes(wanted)) {
      logProgress('bench', `mongo runs with a ${running} heap; scale ${scale} needs ${wanted}: restarting it (its datasets are dropped)`)
      await stopService(mongo, stackLayout('bench'))
    }
    process.env.HAVEN_MONGO_HEAP = wanted
  }
  return await stackUp('bench')
}
