// The ledger versions this process wrote last, with their settlement, so the
// next change of a busy lease starts from memory instead of reading the whole
// document again and settling it (a long ledger is hundreds of items: tens of
// kilobytes each way). Safe because every
// write is guarded by the version it was computed from: if another process
// wrote since, the write matches nothing, the entry is dropped and the change
// reads MongoDB and tries again. Only what MongoDB accepted is kept, and an
// entry is never changed in place (changes build new records). Bounded by the
// items held, so a few long ledgers cannot grow it without end.
import { LRUCache } from 'lru-cache'
import type { ObjectId } from 'mongodb'
import type { LedgerRecord } from '../repositories/ledgers.ts'
import type { Settlement } from './allocate.ts'

// About 10 MB of ledgers (a JavaScript item, or its part of a settlement, is a few hundred bytes).
const MAX_ITEMS = 40_000
const MAX_LEDGERS = 1_000

const keyOf = (agencyId: ObjectId, leaseId: ObjectId) => `${agencyId.toHexString()}:${leaseId.toHexString()}`

interface Entry { record: LedgerRecord, settlement: Settlement }

export class RecentLedgers {
  private readonly entries = new LRUCache<string, Entry>({
    max: MAX_LEDGERS,
    maxSize: MAX_ITEMS,
    // The settlement holds about as much again as the items.
    sizeCalculation: ({ record }) => Math.max(1, 2 * (record.charges.length + record.payments.length))
  })

  get (agencyId: ObjectId, leaseId: ObjectId): LedgerRecord | undefined {
    return this.entries.get(keyOf(agencyId, leaseId))?.record
  }

  /** The settlement of a record this memory handed out, if it is that record. */
  settlementOf (record: LedgerRecord): Settlement | undefined {
    const entry = this.entries.peek(keyOf(record.agencyId, record._id))
    return entry?.record === record ? entry.settlement : undefined
  }

  /** A version MongoDB has just accepted, and its settlement. */
  written (record: LedgerRecord, settlement: Settlement): void {
    this.entries.set(keyOf(record.agencyId, record._id), { record, settlement })
  }

  /** A version's projections are written and its dirty mark cleared: the entry, if still that version, is clean. */
  projected (agencyId: ObjectId, leaseId: ObjectId, version: number): void {
    const key = keyOf(agencyId, leaseId)
    const entry = this.entries.peek(key)
    if (entry === undefined || entry.record.version !== version || entry.record.dirtySince === null) return
    const clean: LedgerRecord = { ...entry.record, dirtySince: null }
    delete clean.pending
    this.entries.set(key, { record: clean, settlement: entry.settlement })
  }

  /** Another process wrote since (or the entry cannot be trusted): read MongoDB next time. */
  forget (agencyId: ObjectId, leaseId: ObjectId): void {
    this.entries.delete(keyOf(agencyId, leaseId))
  }
}
