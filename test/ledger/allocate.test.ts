import { test } from 'tap'
import { aging, settle, type LedgerCharge, type LedgerPayment } from '../../plugins/app/ledger/allocate.ts'

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n))
const charge = (id: string, due: number, amount: number, extra: Partial<LedgerCharge> = {}): LedgerCharge =>
  ({ id, kind: 'rent', key: null, dueDate: day(due), amount, voided: false, createdAt: day(0), ...extra })
const payment = (id: string, received: number, amount: number, extra: Partial<LedgerPayment> = {}): LedgerPayment =>
  ({ id, amount, receivedAt: day(received), reversed: false, ...extra })

test('payments settle the oldest charges first; the rest is credit', async (t) => {
  const s = settle([charge('feb', 31, 1000), charge('jan', 0, 1000)], [payment('p1', 5, 1500)])
  t.same(s.allocations, [{ paymentId: 'p1', chargeId: 'jan', amount: 1000 }, { paymentId: 'p1', chargeId: 'feb', amount: 500 }])
  t.same([s.outstanding, s.credit], [500, 0])
  const over = settle([charge('jan', 0, 1000)], [payment('p1', 5, 1500)])
  t.same([over.outstanding, over.credit], [0, 500])
})

test('voided charges and reversed payments take no part', async (t) => {
  const s = settle([charge('jan', 0, 1000, { voided: true }), charge('feb', 31, 800)], [payment('p1', 1, 500, { reversed: true }), payment('p2', 2, 300)])
  t.same(s.allocations, [{ paymentId: 'p2', chargeId: 'feb', amount: 300 }])
  t.same([s.totalCharged, s.totalPaid, s.outstanding, s.credit], [800, 300, 500, 0])
})

test('a property: random ledgers keep every cent, whatever the order of the facts', async (t) => {
  let seed = 42
  const random = () => { seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; return seed / 2 ** 31 }
  for (let round = 0; round < 300; round++) {
    const charges = Array.from({ length: Math.floor(random() * 12) }, (_, i) => charge(`c${i}`, Math.floor(random() * 400), 1 + Math.floor(random() * 5000), { voided: random() < 0.1 }))
    const payments = Array.from({ length: Math.floor(random() * 12) }, (_, i) => payment(`p${i}`, Math.floor(random() * 400), 1 + Math.floor(random() * 5000), { reversed: random() < 0.1 }))
    const s = settle(charges, payments)
    const shuffled = settle([...charges].reverse(), [...payments].reverse())
    const liveCharged = charges.filter((c) => !c.voided).reduce((sum, c) => sum + c.amount, 0)
    const liveReceived = payments.filter((p) => !p.reversed).reduce((sum, p) => sum + p.amount, 0)
    const settled = Math.min(liveCharged, liveReceived)
    const ok = s.outstanding === liveCharged - settled && s.credit === liveReceived - settled &&
      JSON.stringify(s.allocations) === JSON.stringify(shuffled.allocations) &&
      charges.every((c) => (s.paid.get(c.id) ?? 0) <= (c.voided ? 0 : c.amount)) &&
      // FIFO: a later-due charge is only paid once every earlier-due one is fully paid.
      charges.filter((c) => !c.voided).sort((a, b) => a.dueDate.getTime() - b.dueDate.getTime() || a.id.localeCompare(b.id))
        .every((c, i, sorted) => i === 0 || (s.paid.get(c.id) ?? 0) === 0 || s.paid.get(sorted[i - 1]!.id) === sorted[i - 1]!.amount)
    if (!ok) {
      t.fail(`round ${round} broke an invariant`)
      return
    }
  }
  t.pass('300 random ledgers settled consistently')
})

test('aging buckets by days past due', async (t) => {
  const charges = [charge('a', 0, 100), charge('b', 40, 200), charge('c', 70, 300), charge('d', 100, 400), charge('e', 150, 500)]
  const paid = new Map([['a', 100]])
  t.same(aging(charges, paid, day(150)), { '0-30': 500, '31-60': 400, '61-90': 300, '90+': 200 })
})
