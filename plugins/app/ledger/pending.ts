// Which charge and payment documents may lag behind a ledger. A version is
// written with the items it moved, each with that version, beside its dirty
// mark; they stay listed until the mark is cleared, and a change that finds the
// ledger dirty lists them on (with the version that last moved each). So a
// change, a replay or the repair job that finds another's version unprojected
// rewrites only the listed documents that are older than their listed version
// (a crash left them behind), not every document of the lease.
import type { LedgerRecord, PendingItems } from '../repositories/ledgers.ts'
import type { StoredVersions } from '../repositories/projection.ts'

/** What may lag: nothing when clean; undefined when any item may (a dirty ledger from before the list). */
export function laggingOf (record: Pick<LedgerRecord, 'dirtySince' | 'pending'>): PendingItems | undefined {
  if (record.dirtySince === null) return {}
  return record.pending
}

/** The list a new version is written with: what lagged, and what it moves, at its own version. */
export function pendingAfter (lagging: PendingItems, moved: ReadonlySet<string>, version: number): PendingItems {
  const pending: PendingItems = { ...lagging }
  for (const id of moved) pending[id] = version
  return pending
}

/**
 * The documents a version writes: the items it moves, and the lagging ones
 * whose stored document (in `stored`, by collection) is missing or older than
 * the version that last moved them.
 */
export function stillToWrite (moved: ReadonlySet<string>, lagging: PendingItems, stored: StoredVersions[]): Set<string> {
  const write = new Set(moved)
  for (const [id, version] of Object.entries(lagging)) {
    if (write.has(id)) continue
    const known = stored.find((versions) => versions.has(id))?.get(id)
    if (known === undefined || known === null || known < version) write.add(id)
  }
  return write
}
