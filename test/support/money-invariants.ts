// Checks a lease's money from every side: the ledger's totals, the charge and
// payment documents, and a brute-force settlement recomputed here. Any lost or
// double-counted cent shows as a mismatch.
import { ObjectId } from 'mongodb'
import type { App } from '../helper.ts'
import { waitFor } from './wait-for.ts'

export interface LeaseMoney {
  ledger: { totalCharged: number, totalPaid: number, outstanding: number, credit: number, version: number, dirtySince: Date | null } | null
  charges: Array<{ amount: number, paid: number, outstanding: number, status: string }>
  payments: Array<{ amount: number, applied: number, status: string, allocations: Array<{ amount: number }> }>
}

export async function leaseMoney (app: App, agencyId: string, leaseId: string): Promise<LeaseMoney> {
  const db = app.mongo.db!
  const filter = { agencyId: new ObjectId(agencyId), leaseId: new ObjectId(leaseId) }
  const [ledger, charges, payments] = await Promise.all([
    db.collection('ledgers').findOne({ _id: new ObjectId(leaseId), agencyId: new ObjectId(agencyId) }),
    db.collection('charges').find(filter).toArray(),
    db.collection('payments').find(filter).toArray()
  ])
  return { ledger: ledger as LeaseMoney['ledger'], charges: charges as unknown as LeaseMoney['charges'], payments: payments as unknown as LeaseMoney['payments'] }
}

/** Returns the list of broken invariants (empty when the lease's money is consistent). */
export function moneyProblems (money: LeaseMoney): string[] {
  const problems: string[] = []
  const liveCharges = money.charges.filter((c) => c.status !== 'voided')
  const livePayments = money.payments.filter((p) => p.status !== 'reversed')
  const charged = liveCharges.reduce((s, c) => s + c.amount, 0)
  const received = livePayments.reduce((s, p) => s + p.amount, 0)
  const paidOnCharges = liveCharges.reduce((s, c) => s + c.paid, 0)
  const appliedFromPayments = livePayments.reduce((s, p) => s + p.applied, 0)
  const allocated = livePayments.reduce((s, p) => s + p.allocations.reduce((a, x) => a + x.amount, 0), 0)
  const expectedSettled = Math.min(charged, received)
  if (paidOnCharges !== expectedSettled) problems.push(`charges show ${paidOnCharges} paid, expected ${expectedSettled}`)
  if (appliedFromPayments !== expectedSettled) problems.push(`payments show ${appliedFromPayments} applied, expected ${expectedSettled}`)
  if (allocated !== appliedFromPayments) problems.push(`allocations sum to ${allocated}, payments applied ${appliedFromPayments}`)
  for (const c of liveCharges) if (c.paid + c.outstanding !== c.amount || c.paid < 0 || c.paid > c.amount) problems.push(`charge paid ${c.paid} + outstanding ${c.outstanding} != ${c.amount}`)
  if (money.ledger !== null) {
    const l = money.ledger
    if (l.totalCharged !== charged) problems.push(`ledger charged ${l.totalCharged}, documents ${charged}`)
    if (l.totalPaid !== received) problems.push(`ledger paid ${l.totalPaid}, documents ${received}`)
    if (l.outstanding !== charged - expectedSettled) problems.push(`ledger outstanding ${l.outstanding}, expected ${charged - expectedSettled}`)
    if (l.credit !== received - expectedSettled) problems.push(`ledger credit ${l.credit}, expected ${received - expectedSettled}`)
  }
  return problems
}

/**
 * The lease's money once its ledger's dirty mark is cleared: a change clears it
 * a moment after it answers (plugins/app/ledger/marks.ts).
 */
export async function settledLeaseMoney (app: App, agencyId: string, leaseId: string): Promise<LeaseMoney> {
  return await waitFor(`lease ${leaseId}'s dirty mark cleared`, async () => {
    const money = await leaseMoney(app, agencyId, leaseId)
    return (money.ledger === null || money.ledger.dirtySince === null) && money
  })
}
