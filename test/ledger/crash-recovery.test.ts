import { test } from 'tap'
import { randomUUID } from 'node:crypto'
import { ObjectId } from 'mongodb'
import { build } from '../helper.ts'
import { signup } from '../support/session.ts'
import { leasedUnit } from '../support/portfolio.ts'
import { leaseMoney, moneyProblems, settledLeaseMoney } from '../support/money-invariants.ts'
import { crashOnce, taskHelpers, type CrashMoment } from '../support/crash.ts'
import { waitFor } from '../support/wait-for.ts'
import { repairLedgerProjections } from '../../jobs/repair-ledger-projections.ts'
import type { App } from '../helper.ts'

// The writes of POST /v1/payments, in order, as the repository calls they make
// (the dirty mark is cleared after the response: see the last test).
const steps = [
  { name: 'claim the idempotency key', repo: 'idempotencyKeys', method: 'claim' },
  { name: 'write the ledger', repo: 'ledgers', method: 'replace' },
  { name: 'project the charges', repo: 'charges', method: 'project' },
  { name: 'project the payments', repo: 'payments', method: 'project' },
  { name: 'store the response', repo: 'idempotencyKeys', method: 'complete' }
] as const

test('a payment cut short at any step is neither lost nor counted twice', async (t) => {
  const app: App = await build(t)
  const owner = await signup(app, 'Crash Agency')

  for (const step of steps) {
    for (const moment of ['before', 'after'] as CrashMoment[]) {
      await t.test(`crash ${moment} "${step.name}", then the client retries with the same key`, async (t) => {
        const { lease } = await leasedUnit(owner, `${step.method}-${moment}`)
        await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'January', amount: 60_000, dueDate: '2026-01-10' })
        await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'February', amount: 60_000, dueDate: '2026-02-10' })
        const key = randomUUID()
        const body = { leaseId: lease.id, amount: 90_000, method: 'bank_transfer', receivedAt: '2026-02-11T09:00:00.000Z' }

        const fault = crashOnce(app.repos[step.repo], step.method, moment)
        const failed = await owner.post('/v1/payments', body, { 'idempotency-key': key })
        t.ok(fault.crashed(), 'the fault fired')
        t.equal(failed.statusCode, 500, 'the cut-short request failed')

        const retried = await owner.post('/v1/payments', body, { 'idempotency-key': key })
        t.equal(retried.statusCode, 201)
        t.equal(retried.json().applied, 90_000)

        const money = await settledLeaseMoney(app, owner.agencyId, lease.id)
        t.same(moneyProblems(money), [], 'every side agrees')
        t.equal(money.payments.length, 1, 'exactly one payment')
        t.equal(money.ledger!.totalPaid, 90_000, 'counted once')
        t.equal(money.ledger!.dirtySince, null, 'projections complete')
        t.same(money.charges.map((c) => c.paid).sort(), [30_000, 60_000])
      })
    }
  }

  await t.test('without a retry, the repair job completes projections a crash left behind', async (t) => {
    const { lease } = await leasedUnit(owner, 'repair-job')
    await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'Fee', amount: 10_000, dueDate: '2026-01-10' })
    crashOnce(app.repos.charges, 'project', 'before')
    const failed = await owner.post('/v1/payments', { leaseId: lease.id, amount: 10_000, method: 'cash' })
    t.equal(failed.statusCode, 500)
    const stale = await leaseMoney(app, owner.agencyId, lease.id)
    t.not(stale.ledger!.dirtySince, null, 'the ledger knows its projections lag')
    t.equal(stale.charges[0]!.paid, 0, 'the charge document is stale')

    await repairLedgerProjections(app, 0)({}, taskHelpers)
    const repaired = await leaseMoney(app, owner.agencyId, lease.id)
    t.same(moneyProblems(repaired), [])
    t.equal(repaired.charges[0]!.status, 'paid')
    t.equal(repaired.ledger!.dirtySince, null)
    t.equal(repaired.payments.length, 1)
  })
})

test('a dirty mark that is never cleared costs a check of the documents it lists, not a rewrite', async (t) => {
  const app: App = await build(t)
  const owner = await signup(app, 'Lost Mark Agency')
  const { lease } = await leasedUnit(owner, 'lost-mark')
  await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'Fee', amount: 10_000, dueDate: '2026-01-10' })
  await settledLeaseMoney(app, owner.agencyId, lease.id)
  // The process "dies" before clearing the mark: the payment answered, its documents are written.
  const fault = crashOnce(app.repos.ledgers, 'markProjected', 'before')
  t.equal((await owner.post('/v1/payments', { leaseId: lease.id, amount: 4_000, method: 'cash' })).statusCode, 201)
  t.ok(await waitFor('the clearing after the response', () => fault.crashed()), 'the clearing was attempted after the response')
  const left = await leaseMoney(app, owner.agencyId, lease.id)
  t.not(left.ledger!.dirtySince, null, 'the mark stayed')
  t.same(moneyProblems(left), [], 'the money is right all the same')
  const stored = await app.mongo.db!.collection('ledgers').findOne({ _id: new ObjectId(lease.id) })
  t.same(Object.values(stored!.pending ?? {}).length, 2, 'it lists the payment and the charge it settled')

  const written = async () => (await app.mongo.db!.collection('charges').find({ leaseId: new ObjectId(lease.id) }).toArray())
    .concat(await app.mongo.db!.collection('payments').find({ leaseId: new ObjectId(lease.id) }).toArray())
    .map((doc) => `${String(doc._id)} ${String(doc.ledgerVersion)} ${(doc.updatedAt as Date).toISOString()}`).sort()
  const documents = await written()
  await repairLedgerProjections(app, 0)({}, taskHelpers)
  const repaired = await leaseMoney(app, owner.agencyId, lease.id)
  t.equal(repaired.ledger!.dirtySince, null, 'the repair job cleared it')
  t.same(await written(), documents, 'without rewriting a document')
  t.same(moneyProblems(repaired), [])
})

test('20 clients writing to the same leases at once lose no update', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Busy Agency')
  const leases = await Promise.all([0, 1, 2].map(async (i) => (await leasedUnit(owner, `busy-${i}`)).lease))
  const writes: Array<Promise<unknown>> = []
  let expectedPaid = 0
  let expectedCharged = 0
  for (let client = 0; client < 20; client++) {
    writes.push((async () => {
      for (let i = 0; i < 5; i++) {
        const lease = leases[(client + i) % leases.length]!
        if ((client + i) % 3 === 0) {
          expectedCharged += 1_000
          const r = await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: `c${client}-${i}`, amount: 1_000, dueDate: `2026-0${1 + (i % 9)}-0${1 + (client % 9)}` })
          if (r.statusCode !== 201) throw new Error(`charge failed: ${r.body}`)
        } else {
          expectedPaid += 700
          const r = await owner.post('/v1/payments', { leaseId: lease.id, amount: 700, method: 'card' }, { 'idempotency-key': `busy-${client}-${i}` })
          if (r.statusCode !== 201) throw new Error(`payment failed: ${r.body}`)
        }
      }
    })())
  }
  await Promise.all(writes)

  let charged = 0
  let paid = 0
  for (const lease of leases) {
    const money = await leaseMoney(app, owner.agencyId, lease.id)
    t.same(moneyProblems(money), [], `lease ${lease.id} is consistent`)
    charged += money.ledger!.totalCharged
    paid += money.ledger!.totalPaid
  }
  t.equal(charged, expectedCharged, 'every charge counted once')
  t.equal(paid, expectedPaid, 'every payment counted once')
})
