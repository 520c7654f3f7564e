// Per MongoDB query shape (collection, command, field names and operators, never
// values): how many commands, how many failed, and their latency histogram, since
// the last flush. Shapes are as many as the code has queries, but a filter with a
// variable number of clauses could make more: past MAX_SHAPES in one interval the
// rest are counted under one "(other shapes)" entry, so memory stays bounded.
import type { FinishedCommand } from '../../external/mongodb/command-monitor.ts'
import { queryShape } from '../../external/mongodb/query-shape.ts'
import { LATENCY_BUCKETS } from '../../external/metrics.ts'
import { bucketOf } from './histogram.ts'

const MAX_SHAPES = 500
const OTHER = '(other shapes)'

export interface ShapeTotals {
  collection: string
  command: string
  shape: string
  commands: number
  failures: number
  durationSumS: number
  buckets: number[]
}

export class QueryShapes {
  private shapes = new Map<string, ShapeTotals>()

  record (finished: FinishedCommand): void {
    const shape = JSON.stringify(queryShape(finished.commandName, finished.command))
    let key = `${finished.collection}|${finished.commandName}|${shape}`
    let totals = this.shapes.get(key)
    if (totals === undefined) {
      const full = this.shapes.size >= MAX_SHAPES
      if (full) key = `${finished.collection}|${finished.commandName}|${OTHER}`
      totals = this.shapes.get(key) ?? {
        collection: finished.collection,
        command: finished.commandName,
        shape: full ? OTHER : shape,
        commands: 0,
        failures: 0,
        durationSumS: 0,
        buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0)
      }
      this.shapes.set(key, totals)
    }
    const seconds = finished.durationMs / 1000
    totals.commands++
    if (!finished.ok) totals.failures++
    totals.durationSumS += seconds
    totals.buckets[bucketOf(LATENCY_BUCKETS, seconds)]!++
  }

  /** What was recorded since the last call, and a fresh start. */
  take (): ShapeTotals[] {
    const taken = [...this.shapes.values()]
    this.shapes = new Map()
    return taken
  }
}
