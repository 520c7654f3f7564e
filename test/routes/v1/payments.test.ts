import { test } from 'tap'
import { randomUUID } from 'node:crypto'
import { build } from '../../helper.ts'
import { signup, staff } from '../../support/session.ts'
import { leasedUnit } from '../../support/portfolio.ts'
import { leaseMoney, moneyProblems } from '../../support/money-invariants.ts'

test('charges and payments', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Money Agency')
  const other = await signup(app, 'Other Money Agency')
  const fee = (leaseId: string, amount: number, dueDate: string) => owner.post('/v1/charges', { leaseId, kind: 'fee', description: 'Late key return', amount, dueDate })
  const pay = (leaseId: string, amount: number, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    owner.post('/v1/payments', { leaseId, amount, method: 'bank_transfer', receivedAt: '2026-04-01T10:00:00.000Z', ...extra }, headers)

  await t.test('a payment settles the oldest charges; the rest is credit that settles the next charge', async (t) => {
    const { lease } = await leasedUnit(owner, 'M1', { deposit: 50_000 })
    const march = await fee(lease.id, 30_000, '2026-03-01')
    t.equal(march.statusCode, 201)
    t.equal(march.headers.location, `/v1/charges/${march.json().id}`)
    const april = (await fee(lease.id, 40_000, '2026-04-01')).json()

    const payment = await pay(lease.id, 100_000, { reference: 'TRX-1' })
    t.equal(payment.statusCode, 201)
    const body = payment.json()
    t.equal(body.applied, 100_000)
    t.same(body.allocations.map((a: { amount: number }) => a.amount), [50_000, 30_000, 20_000], 'deposit (due at start), then March, then part of April')
    t.equal((await owner.get(`/v1/charges/${april.id}`)).json().outstanding, 20_000)

    const extra = (await pay(lease.id, 30_000)).json()
    t.equal(extra.applied, 20_000)
    const balance = (await owner.get(`/v1/leases/${lease.id}/balance`)).json()
    t.match(balance, { totalCharged: 120_000, totalPaid: 130_000, outstanding: 0, credit: 10_000, currency: 'USD' })

    const may = (await fee(lease.id, 15_000, '2026-05-01')).json()
    t.match(may, { paid: 10_000, outstanding: 5_000, status: 'open' }, 'existing credit settles a new charge at once')
    t.same(moneyProblems(await leaseMoney(app, owner.agencyId, lease.id)), [])
  })

  await t.test('a reversal reopens what the payment settled; a void frees what the charge held', async (t) => {
    const { lease } = await leasedUnit(owner, 'M2')
    const jan = (await fee(lease.id, 10_000, '2026-01-05')).json()
    const feb = (await fee(lease.id, 10_000, '2026-02-05')).json()
    const first = (await pay(lease.id, 10_000, { receivedAt: '2026-01-06T00:00:00.000Z' })).json()
    const second = (await pay(lease.id, 10_000, { receivedAt: '2026-02-06T00:00:00.000Z' })).json()
    t.equal((await owner.get(`/v1/charges/${feb.id}`)).json().status, 'paid')

    const reversed = await owner.post(`/v1/payments/${first.id}/reversal`, { reason: 'bounced' })
    t.equal(reversed.statusCode, 200)
    t.match(reversed.json(), { status: 'reversed', applied: 0, allocations: [], reversalReason: 'bounced' })
    t.match((await owner.get(`/v1/charges/${jan.id}`)).json(), { status: 'paid' }, 'the remaining payment moves to the oldest charge')
    t.match((await owner.get(`/v1/charges/${feb.id}`)).json(), { status: 'open', outstanding: 10_000 })
    t.equal((await owner.get(`/v1/payments/${second.id}`)).json().allocations[0].chargeId, jan.id)
    t.equal((await owner.post(`/v1/payments/${first.id}/reversal`, { reason: 'again' })).json().reversalReason, 'bounced', 'reversing twice changes nothing')

    const voided = await owner.delete(`/v1/charges/${jan.id}`)
    t.match(voided.json(), { status: 'voided', paid: 0, outstanding: 0 })
    t.match((await owner.get(`/v1/charges/${feb.id}`)).json(), { status: 'paid' }, 'the freed payment settles February')
    t.same(moneyProblems(await leaseMoney(app, owner.agencyId, lease.id)), [])
  })

  await t.test('Idempotency-Key: a replay answers the first response, concurrent duplicates record one payment', async (t) => {
    const { lease } = await leasedUnit(owner, 'M3')
    const key = randomUUID()
    const first = await pay(lease.id, 12_345, {}, { 'idempotency-key': key })
    const replay = await pay(lease.id, 12_345, {}, { 'idempotency-key': key })
    t.equal(replay.statusCode, 201)
    t.same(replay.json(), first.json())
    t.equal(replay.headers['idempotent-replayed'], 'true')

    const burstKey = randomUUID()
    const burst = await Promise.all(Array.from({ length: 10 }, () => pay(lease.id, 500, {}, { 'idempotency-key': burstKey })))
    t.same(new Set(burst.map((r) => r.statusCode)), new Set([201]))
    t.equal(new Set(burst.map((r) => r.json().id)).size, 1, 'one payment id for all ten')
    const payments = (await owner.get(`/v1/payments?leaseId=${lease.id}`)).json().items
    t.equal(payments.length, 2, 'the first key and the burst: two payments in all')

    const reused = await pay(lease.id, 99, {}, { 'idempotency-key': key })
    t.equal(reused.statusCode, 422)
    t.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED')
    const theirs = await other.post('/v1/payments', { leaseId: lease.id, amount: 12_345, method: 'bank_transfer', receivedAt: '2026-04-01T10:00:00.000Z' }, { 'idempotency-key': key })
    t.equal(theirs.statusCode, 404, 'keys are per agency, and the lease is not theirs')
  })

  await t.test('payments and charges need an active (or closed) lease, a real amount and a past date', async (t) => {
    const { lease } = await leasedUnit(owner, 'M4', { activate: false })
    const draft = await pay(lease.id, 100)
    t.equal(draft.statusCode, 409)
    t.equal(draft.json().code, 'LEASE_STATE')
    const active = (await leasedUnit(owner, 'M5')).lease
    t.equal((await pay(active.id, 100, { receivedAt: '2099-01-01T00:00:00.000Z' })).json().code, 'RECEIVED_IN_FUTURE')
    const before = await app.mongo.db!.collection('payments').countDocuments()
    const bad = [
      await pay(active.id, 0),
      await pay(active.id, 10.5),
      await pay(active.id, 100, { method: 'bitcoin' }),
      await pay(active.id, 100, { status: 'reversed' }),
      await pay(active.id, 100, {}, { 'idempotency-key': 'has space' }),
      await owner.post('/v1/charges', { leaseId: active.id, kind: 'rent', description: 'sneaky', amount: 1, dueDate: '2026-01-01' }),
      await owner.patch(`/v1/charges/${active.id}`, { amount: 1 })
    ]
    t.same(bad.map((r) => r.statusCode), [400, 400, 400, 400, 400, 400, 400])
    t.equal(await app.mongo.db!.collection('payments').countDocuments(), before)
  })

  await t.test('another agency\'s charges and payments are invisible', async (t) => {
    const { lease } = await leasedUnit(owner, 'M6')
    const charge = (await fee(lease.id, 1000, '2026-02-01')).json()
    const payment = (await pay(lease.id, 1000)).json()
    const attempts = [
      await other.get(`/v1/charges/${charge.id}`),
      await other.patch(`/v1/charges/${charge.id}`, { description: 'mine now' }),
      await other.delete(`/v1/charges/${charge.id}`),
      await other.get(`/v1/payments/${payment.id}`),
      await other.patch(`/v1/payments/${payment.id}`, { reference: 'x' }),
      await other.post(`/v1/payments/${payment.id}/reversal`, { reason: 'x' }),
      await other.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: 'x', amount: 1, dueDate: '2026-01-01' })
    ]
    t.same(attempts.map((r) => r.statusCode), [404, 404, 404, 404, 404, 404, 404])
    t.same((await other.get('/v1/charges')).json().items, [])
    t.same((await other.get('/v1/payments')).json().items, [])
    t.equal((await owner.get(`/v1/payments/${payment.id}`)).json().status, 'applied')
  })

  await t.test('lists, amendments, roles and ETags', async (t) => {
    const { lease } = await leasedUnit(owner, 'M7')
    await fee(lease.id, 1000, '2026-01-01')
    await fee(lease.id, 1000, '2026-02-01')
    const payment = (await pay(lease.id, 1500)).json()
    t.same((await owner.get(`/v1/charges?leaseId=${lease.id}&status=open`)).json().items.map((c: { dueDate: string }) => c.dueDate), ['2026-02-01'])
    t.equal((await owner.get(`/v1/charges?leaseId=${lease.id}&sort=-dueDate&limit=1`)).json().items[0].dueDate, '2026-02-01')
    t.equal((await owner.get(`/v1/payments?leaseId=${lease.id}&status=applied`)).json().items.length, 1)
    t.equal((await owner.patch(`/v1/payments/${payment.id}`, { reference: 'BANK-42', method: 'card' })).json().reference, 'BANK-42')

    const viewer = await staff(app, owner, 'viewer')
    t.equal((await viewer.get('/v1/payments')).statusCode, 200)
    t.equal((await viewer.post('/v1/payments', { leaseId: lease.id, amount: 1, method: 'cash' })).statusCode, 403)
    t.equal((await viewer.post(`/v1/payments/${payment.id}/reversal`, { reason: 'x' })).statusCode, 403)
    t.equal((await viewer.delete(`/v1/charges/${payment.allocations[0].chargeId}`)).statusCode, 403)

    const got = await owner.get(`/v1/payments/${payment.id}`)
    t.equal((await owner.get(`/v1/payments/${payment.id}`, { 'if-none-match': got.headers.etag as string })).statusCode, 304)
  })
})

test('balances per lease and per tenant, with aging', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Balance Agency')
  const other = await signup(app, 'Nosy Agency')
  const { lease, tenant } = await leasedUnit(owner, 'B1')
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)
  for (const [daysAgo, amount] of [[100, 4_000], [70, 3_000], [40, 2_000], [5, 1_000]] as const) {
    await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: `${daysAgo} days`, amount, dueDate: day(daysAgo) })
  }
  await owner.post('/v1/payments', { leaseId: lease.id, amount: 4_500, method: 'cash' })

  const balance = (await owner.get(`/v1/leases/${lease.id}/balance`)).json()
  t.match(balance, { leaseId: lease.id, totalCharged: 10_000, totalPaid: 4_500, outstanding: 5_500, credit: 0 })
  t.same(balance.aging, { '0-30': 1_000, '31-60': 2_000, '61-90': 2_500, '90+': 0 }, 'the oldest charge was settled first')

  const tenantBalance = (await owner.get(`/v1/tenants/${tenant.id}/balance`)).json()
  t.match(tenantBalance, { tenantId: tenant.id, leaseIds: [lease.id], outstanding: 5_500 })
  t.equal((await other.get(`/v1/tenants/${tenant.id}/balance`)).statusCode, 404)
})
