// What one POST /v1/payments asks of MongoDB: how many commands, and how many
// of them run one after another (each waits for the one before it). On the
// local server every command is a loopback round trip that costs both
// processes CPU, so these two numbers are a payment's cost; counted from the
// driver's command events, not timed. The figures the budgets hold are in the
// README ("Money writes in few round trips").
import { test } from 'tap'
import { randomUUID } from 'node:crypto'
import type { CommandStartedEvent } from 'mongodb'
import { build, type App } from '../helper.ts'
import { signup } from '../support/session.ts'
import { leasedUnit } from '../support/portfolio.ts'
import { leaseMoney, moneyProblems } from '../support/money-invariants.ts'

interface Recorded { commands: string[], sequential: number }

/**
 * Records the commands sent while `work` runs. A command's depth is one more than
 * the deepest command that had finished when it started (order of events, not
 * time), so commands sent together count once. An upper bound: of two chains
 * that run side by side, a command of one that starts after a command of the
 * other has finished counts as after it.
 */
async function recordCommands (app: App, work: () => Promise<unknown>): Promise<Recorded> {
  const client = app.mongo.client
  const depthOf = new Map<number, number>()
  const commands: string[] = []
  let finishedDepth = 0
  let sequential = 0
  const started = (event: CommandStartedEvent) => {
    if (typeof event.command.comment !== 'string') return // the driver's own (hello, ping…)
    const depth = finishedDepth + 1
    depthOf.set(event.requestId, depth)
    sequential = Math.max(sequential, depth)
    commands.push(`${String(event.command[event.commandName])}.${event.commandName}`)
  }
  const finished = (event: { requestId: number }) => {
    finishedDepth = Math.max(finishedDepth, depthOf.get(event.requestId) ?? 0)
  }
  client.on('commandStarted', started)
  client.on('commandSucceeded', finished)
  client.on('commandFailed', finished)
  try {
    await work()
  } finally {
    client.off('commandStarted', started)
    client.off('commandSucceeded', finished)
    client.off('commandFailed', finished)
  }
  return { commands: commands.sort(), sequential }
}

test('a payment costs a bounded number of MongoDB commands and sequential round trips', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Round Trip Agency')
  const { lease } = await leasedUnit(owner, 'RT1')
  for (const month of ['01', '02', '03']) {
    await owner.post('/v1/charges', { leaseId: lease.id, kind: 'fee', description: `Fee ${month}`, amount: 50_000, dueDate: `2026-${month}-05` })
  }
  const pay = (amount: number) => owner.post('/v1/payments', { leaseId: lease.id, amount, method: 'card', receivedAt: '2026-03-10T09:00:00.000Z' }, { 'idempotency-key': randomUUID() })
  // The agency's dashboard is read, so the write refreshes it as a live agency's would.
  t.equal((await owner.get('/v1/dashboard?period=2026-03')).statusCode, 200)
  t.equal((await pay(10_000)).statusCode, 201, 'a first payment: the ledger and the summaries exist')

  let answer = 0
  const settling = await recordCommands(app, async () => { answer = (await pay(45_000)).statusCode })
  t.equal(answer, 201)
  t.comment(`a payment settling one charge: ${settling.commands.length} commands, ${settling.sequential} in sequence: ${settling.commands.join(', ')}`)
  t.ok(settling.commands.length <= 10, `at most 10 commands (${settling.commands.length})`)
  t.ok(settling.sequential <= 7, `at most 7 round trips in sequence (${settling.sequential})`)

  const replay = randomUUID()
  const first = await owner.post('/v1/payments', { leaseId: lease.id, amount: 1_000, method: 'card' }, { 'idempotency-key': replay })
  const replayed = await recordCommands(app, async () => {
    const again = await owner.post('/v1/payments', { leaseId: lease.id, amount: 1_000, method: 'card' }, { 'idempotency-key': replay })
    t.same(again.json(), first.json(), 'the replay answers the first response')
  })
  t.comment(`a replay: ${replayed.commands.length} commands, ${replayed.sequential} in sequence`)
  t.ok(replayed.commands.length <= 5, `a replay reads, it does not write (${replayed.commands.join(', ')})`)
  t.notOk(replayed.commands.some((c) => /\.(update|insert)$/.test(c) && !c.startsWith('idempotency_keys.insert')), 'no write but the refused claim')
  t.same(moneyProblems(await leaseMoney(app, owner.agencyId, lease.id)), [])

  // Ten at once to the lease: each waits for the one before it in this process, so none loses the version check.
  const burst = await recordCommands(app, async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => pay(1_000)))
    t.same(new Set(answers.map((r) => r.statusCode)), new Set([201]))
  })
  const count = (command: string) => burst.commands.filter((c) => c === command).length
  t.comment(`ten payments at once: ${burst.commands.length} commands`)
  t.equal(count('ledgers.update'), 10, 'one ledger write each')
  t.equal(count('ledgers.find'), 0, 'no ledger read again after a lost race')
  t.equal(count('payments.find'), 0, 'no payment document checked again')
  t.same(moneyProblems(await leaseMoney(app, owner.agencyId, lease.id)), [])
})
