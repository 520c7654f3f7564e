// Clearing a ledger's dirty mark a moment after its projections are written,
// not on the request's path. The mark is the repair job's and other processes'
// hint (ledger/pending.ts); this process knows its own projections are written
// (ledger/recent.ts), and a busy lease's next change, which writes a new mark,
// would make the clearing moot: so a scheduled clearing is replaced by the
// lease's next one, and a busy lease pays one clearing a second, not one per
// change (on a long ledger, a rewrite of a document of hundreds of items on the
// local server). A process that ends on purpose clears what it scheduled; one
// that dies leaves dirty marks whose documents are written, which the next
// change or the repair job checks and clears.
import type { ObjectId } from 'mongodb'

export const MARK_AFTER_MS = 1_000

type Mark = (agencyId: ObjectId, leaseId: ObjectId, version: number) => Promise<void>

interface Scheduled { agencyId: ObjectId, leaseId: ObjectId, version: number, timer: NodeJS.Timeout }

export class DeferredMarks {
  private readonly scheduled = new Map<string, Scheduled>()
  private readonly running = new Set<Promise<void>>()
  private readonly mark: Mark
  private readonly onError: (err: unknown) => void

  constructor (mark: Mark, onError: (err: unknown) => void) {
    this.mark = mark
    this.onError = onError
  }

  /** Clears the mark of this version in a moment, unless the lease's next version is scheduled first. */
  later (agencyId: ObjectId, leaseId: ObjectId, version: number): void {
    const key = `${agencyId.toHexString()}:${leaseId.toHexString()}`
    const previous = this.scheduled.get(key)
    if (previous !== undefined) clearTimeout(previous.timer)
    const timer = setTimeout(() => {
      this.scheduled.delete(key)
      this.run(agencyId, leaseId, version)
    }, MARK_AFTER_MS)
    timer.unref()
    this.scheduled.set(key, { agencyId, leaseId, version, timer })
  }

  /** Clears every scheduled mark now and waits for those under way (on shutdown). */
  async flush (): Promise<void> {
    for (const { agencyId, leaseId, version, timer } of this.scheduled.values()) {
      clearTimeout(timer)
      this.run(agencyId, leaseId, version)
    }
    this.scheduled.clear()
    await Promise.all(this.running)
  }

  private run (agencyId: ObjectId, leaseId: ObjectId, version: number): void {
    const clearing = this.mark(agencyId, leaseId, version).catch(this.onError)
    this.running.add(clearing)
    void clearing.finally(() => this.running.delete(clearing))
  }
}
