// The ledger versions this process wrote last, so the next change of a busy
// lease starts from memory instead of reading the whole document again (a long
// ledger is hundreds of items: tens of kilobytes each way). Safe because every
// write is guarded by the version it was computed from: if another process
// wrote since, the write matches nothing, the entry is dropped and the change
// reads MongoDB and tries again. Only what MongoDB accepted is kept, and an
// entry is never changed in place (changes build new records). Bounded by the
// items held, so a few long ledgers cannot grow it without end.
import { LRUCache } from 'lru-cache'
import type { ObjectId } from 'mongodb'
import type { LedgerRecord } from '../repositories/ledgers.ts'

// About 10 MB of ledgers (a JavaScript item is a few hundred bytes).
const MAX_ITEMS = 20_000
const MAX_LEDGERS = 1_000

const keyOf = (agencyId: ObjectId, leaseId: ObjectId) => `${agencyId.toHexString()}:${leaseId.toHexString()}`

export class RecentLedgers {
  private readonly entries = new LRUCache<string, LedgerRecord>({
    max: MAX_LEDGERS,
    maxSize: MAX_ITEMS,
    sizeCalculation: (record) => Math.max(1, record.charges.length + record.payments.length)
  })

  get (agencyId: ObjectId, leaseId: ObjectId): LedgerRecord | undefined {
    return this.entries.get(keyOf(agencyId, leaseId))
  }

  /** A version MongoDB has just accepted. */
  written (record: LedgerRecord): void {
    this.entries.set(keyOf(record.agencyId, record._id), record)
  }

  /** A version's projections are written and its dirty mark cleared: the entry, if still that version, is clean. */
  projected (agencyId: ObjectId, leaseId: ObjectId, version: number): void {
    const key = keyOf(agencyId, leaseId)
    const record = this.entries.get(key)
    if (record === undefined || record.version !== version || record.dirtySince === null) return
    const clean: LedgerRecord = { ...record, dirtySince: null }
    delete clean.pending
    this.entries.set(key, clean)
  }

  /** Another process wrote since (or the entry cannot be trusted): read MongoDB next time. */
  forget (agencyId: ObjectId, leaseId: ObjectId): void {
    this.entries.delete(keyOf(agencyId, leaseId))
  }
}
