// The ledgers' stored shape since folding (plugins/app/ledger/fold.ts): every
// ledger has a carried balance, and none holds more history than the
// application would leave it. Brings a database written before that to the
// shape, the way the application itself would: a ledger past the fold
// threshold folds its settled history (one version-guarded write, so a change
// made meanwhile wins and the ledger folds at its next change instead). A
// ledger whose projections lag (dirty) is left to the repair job and folds at
// its next change. Safe to run again and from several processes at once.
import type { Db } from 'mongodb'
import { NOTHING_FOLDED, type LedgerRecord } from '../../plugins/app/repositories/ledgers.ts'
import { FOLD_AFTER_ITEMS, foldLedger } from '../../plugins/app/ledger/fold.ts'
import { settlementOf } from '../../plugins/app/ledger/read-models.ts'

export interface LedgerMigrationReport { carried: number, folded: number, leftDirty: number }

const NOTHING_MOVED: ReadonlySet<string> = new Set()
// Past the threshold one side holds more than half of it: a query the server can answer.
const SIDE = String(Math.floor(FOLD_AFTER_ITEMS / 2))

export async function migrateLedgers (db: Db, now = new Date()): Promise<LedgerMigrationReport> {
  const ledgers = db.collection<LedgerRecord>('ledgers')
  const carried = await ledgers.updateMany({ carried: { $exists: false } }, { $set: { carried: NOTHING_FOLDED } })
  const report: LedgerMigrationReport = { carried: carried.modifiedCount, folded: 0, leftDirty: 0 }
  const long = ledgers.find({ $or: [{ [`charges.${SIDE}`]: { $exists: true } }, { [`payments.${SIDE}`]: { $exists: true } }] })
  for await (const ledger of long) {
    if (ledger.charges.length + ledger.payments.length <= FOLD_AFTER_ITEMS) continue
    if (ledger.dirtySince !== null) {
      report.leftDirty++
      continue
    }
    const folded = foldLedger(ledger, settlementOf(ledger), now, NOTHING_MOVED)
    if (folded === null) continue
    const written = await ledgers.updateOne(
      { _id: ledger._id, agencyId: ledger.agencyId, version: ledger.version },
      { $set: { charges: folded.charges, payments: folded.payments, carried: folded.carried, version: ledger.version + 1, updatedAt: now } }
    )
    report.folded += written.modifiedCount
  }
  return report
}
