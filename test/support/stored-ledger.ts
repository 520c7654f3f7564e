// A lease's money history as a database written before folding existed would
// hold it: one ledger document with every item (no carried balance), and the
// charge and payment documents the application's own read models make of it.
// Tests of long histories start from here: making thousands of items through
// the API would take minutes.
import { ObjectId } from 'mongodb'
import type { LedgerChargeRecord, LedgerPaymentRecord, LedgerRecord } from '../../plugins/app/repositories/ledgers.ts'
import { chargeDocs, paymentDocs, settlementOf } from '../../plugins/app/ledger/read-models.ts'
import { NOTHING_FOLDED } from '../../plugins/app/repositories/ledgers.ts'
import type { App } from '../helper.ts'

export function charge (dueDate: Date, amount: number, extra: Partial<LedgerChargeRecord> = {}): LedgerChargeRecord {
  return { _id: new ObjectId(), kind: 'fee', key: null, description: 'Service charge', dueDate, amount, voided: false, voidedAt: null, createdAt: dueDate, ...extra }
}

export function payment (receivedAt: Date, amount: number, extra: Partial<LedgerPaymentRecord> = {}): LedgerPaymentRecord {
  return { _id: new ObjectId(), amount, receivedAt, method: 'bank_transfer', reference: null, reversed: false, reversedAt: null, reversalReason: null, createdAt: receivedAt, ...extra }
}

/** Stores the history of an existing lease (replacing its ledger), then reconciles the agency's dashboard. */
export async function storeHistory (app: App, agencyId: string, leaseId: string, charges: LedgerChargeRecord[], payments: LedgerPaymentRecord[]): Promise<LedgerRecord> {
  const db = app.mongo.db!
  const lease = await db.collection('leases').findOne({ _id: new ObjectId(leaseId), agencyId: new ObjectId(agencyId) })
  if (lease === null) throw new Error(`no lease ${leaseId}`)
  const settlement = settlementOf({ charges, payments, carried: NOTHING_FOLDED })
  const ledger: LedgerRecord = {
    _id: lease._id, agencyId: lease.agencyId, propertyId: lease.propertyId, unitId: lease.unitId, version: charges.length + payments.length,
    charges, payments, carried: NOTHING_FOLDED, totalCharged: settlement.totalCharged, totalPaid: settlement.totalPaid,
    outstanding: settlement.outstanding, credit: settlement.credit, dirtySince: null, updatedAt: new Date()
  }
  const filter = { agencyId: lease.agencyId, leaseId: lease._id }
  await Promise.all([db.collection('charges').deleteMany(filter), db.collection('payments').deleteMany(filter), db.collection('ledgers').deleteOne({ _id: lease._id })])
  const { carried, ...stored } = ledger
  void carried
  await db.collection('ledgers').insertOne(stored)
  const [chargeDocuments, paymentDocuments] = [chargeDocs(ledger, settlement, new Date()), paymentDocs(ledger, settlement, new Date())]
  if (chargeDocuments.length > 0) await db.collection('charges').insertMany(chargeDocuments)
  if (paymentDocuments.length > 0) await db.collection('payments').insertMany(paymentDocuments)
  await app.rollups.reconcile(lease.agencyId)
  return ledger
}
