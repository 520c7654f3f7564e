// The phases of a users run, each one or more vegeta attacks over a set of virtual users:
// sign-in, a steady load, the capacity search and the 5× spike.
import { setTimeout as sleep } from 'node:timers/promises'
import { attack, type VegetaResult } from './attack.ts'
import { watchMemory, type MemoryFigures, type WatchedProcess } from './memory.ts'
import { outcomeOf, PhaseStats, verdict, BOUNDS_MS, type SecondFigures, type TypeFigures, type Verdict } from './stats.ts'
import { classify, THINK_TIME_S, userOf, VirtualUser, type RequestType, type Target, type WorkloadOptions } from './workload.ts'

export interface Session {
  vegeta: string
  workload: WorkloadOptions
  /** every VU of the run, by id; a phase uses the first N */
  users: VirtualUser[]
  processes: WatchedProcess[]
  log: (message: string) => void
}

export interface PhaseReport {
  name: string
  users: number
  /** requests per second sent (users ÷ think time) */
  rate: number
  durationS: number
  byType: Partial<Record<RequestType, TypeFigures>>
  verdict: Verdict
  memory: MemoryFigures[]
}

/** Feeds an answer to its VU and to the phase's figures. */
function recorder (session: Session, sinks: (result: VegetaResult) => PhaseStats[]) {
  return (result: VegetaResult) => {
    const type = classify(result.method, result.url)
    if (type === undefined) return
    let parsed: unknown
    const body = () => {
      if (parsed === undefined && result.body !== null) {
        try {
          parsed = JSON.parse(Buffer.from(result.body, 'base64').toString('utf8'))
        } catch {
          parsed = null
        }
      }
      return parsed
    }
    const outcome = outcomeOf(result, () => (body() as { code?: string } | null)?.code)
    for (const stats of sinks(result)) stats.add(type, result, outcome)
    const vu = userOf(result.headers)
    if (vu !== undefined && (type === 'login' || type === 'properties-page-1' || type === 'export-start')) {
      session.users[vu]?.learn(type, result.code, body(), result.headers?.Location?.[0])
    }
  }
}

/** The VUs' next requests in turn, in a shuffled order each round (no VU always goes first). */
function rotation (users: VirtualUser[], workload: WorkloadOptions): () => Target {
  let order: VirtualUser[] = []
  return () => {
    if (order.length === 0) order = [...users].sort(() => Math.random() - 0.5)
    return order.pop()!.next(workload).target
  }
}

const LOGIN_RATE = 25
const LOGIN_ROUNDS = 3

/** Signs in every VU of users[0, count) that has no token yet (a few rounds for failures). */
export async function signIn (session: Session, count: number): Promise<PhaseStats> {
  const stats = new PhaseStats()
  for (let round = 1; round <= LOGIN_ROUNDS; round++) {
    const pending = session.users.slice(0, count).filter((vu) => vu.token === undefined)
    if (pending.length === 0) break
    session.log(`signing in ${pending.length} users (${LOGIN_RATE}/s, round ${round})`)
    let next = 0
    await attack({
      vegeta: session.vegeta,
      rate: Math.min(LOGIN_RATE, pending.length),
      durationS: Math.ceil(pending.length / Math.min(LOGIN_RATE, pending.length)),
      next: () => pending[next++ % pending.length]!.loginTarget(session.workload),
      onResult: recorder(session, () => [stats])
    })
  }
  const missing = session.users.slice(0, count).filter((vu) => vu.token === undefined).length
  if (missing > 0) throw new Error(`${missing} users could not sign in: ${JSON.stringify(stats.byType().login?.errorSamples)}`)
  return stats
}

/** users VUs for durationS seconds at users ÷ THINK_TIME_S requests per second. */
export async function steady (session: Session, name: string, users: number, durationS: number): Promise<PhaseReport> {
  await signIn(session, users)
  const stats = new PhaseStats()
  const rate = users / THINK_TIME_S
  session.log(`${name}: ${users} users, ${rate.toFixed(1)} requests/s for ${durationS} s`)
  const memory = watchMemory(session.processes)
  await attack({ vegeta: session.vegeta, rate, durationS, next: rotation(session.users.slice(0, users), session.workload), onResult: recorder(session, () => [stats]) })
  const byType = stats.byType()
  const report = { name, users, rate, durationS, byType, verdict: verdict(byType, false), memory: await memory.stop() }
  session.log(`${name}: reads p99 ${report.verdict.readP99} ms, writes p99 ${report.verdict.writeP99} ms, ${report.verdict.unplannedErrors} errors: ${report.verdict.withinBounds ? 'within' : 'OUT OF'} bounds`)
  return report
}

export interface CapacityReport {
  /** the highest user count whose run stayed within the bounds; 0 when none did */
  capacity: number
  /** no step left the bounds up to the search's upper end: the capacity is at least that */
  reachedLimit: boolean
  steps: Array<{ users: number, verdict: Verdict }>
}

/** Doubles the users from `from` until a step leaves the bounds (or `to`), then bisects to 10 %. */
export async function capacitySearch (session: Session, from: number, to: number, stepS: number): Promise<CapacityReport> {
  const steps: CapacityReport['steps'] = []
  const tryUsers = async (users: number) => {
    const report = await steady(session, `capacity ${users}`, users, stepS)
    steps.push({ users, verdict: report.verdict })
    return report.verdict.withinBounds
  }
  let pass = 0
  let fail = 0
  for (let users = from; users <= to; users *= 2) {
    if (await tryUsers(users)) pass = users
    else {
      fail = users
      break
    }
  }
  while (fail > 0 && fail - pass > Math.max(10, pass * 0.1)) {
    const middle = Math.round((pass + fail) / 2)
    if (await tryUsers(middle)) pass = middle
    else fail = middle
  }
  return { capacity: pass, reachedLimit: fail === 0, steps }
}

export interface SpikeReport {
  baseUsers: number
  spikeUsers: number
  /** one client above its rate limit during the spike, which should see 429 */
  greedyRate: number
  beforeS: number
  spikeS: number
  afterS: number
  segments: Record<'before' | 'spike' | 'after' | 'recovered', { byType: Partial<Record<RequestType, TypeFigures>>, verdict: Verdict }>
  /** seconds after the spike's end until every later second's p99 stayed within the bounds */
  recoveredAfterS: number | null
  timeline: SecondFigures[]
  memory: MemoryFigures[]
  /** admitted p99 ≤ 1 s in the spike, 429 for the greedy client, bounds 5 s after, no process lost */
  passed: boolean
}

const SPIKE_ADMITTED_P99_MS = 1_000
const RECOVERY_S = 5

/**
 * baseUsers throughout; (factor − 1) × baseUsers more for spikeS in the middle, with one greedy
 * client (its own account) sending greedyRate requests per second, above any rate limit.
 */
export async function spike (session: Session, greedy: () => Target, baseUsers: number, factor: number, spikeS: number, greedyRate: number): Promise<SpikeReport> {
  const beforeS = 15
  const afterS = 30
  const spikeUsers = baseUsers * factor
  await signIn(session, spikeUsers)
  const startMs = Date.now()
  const spikeStart = startMs + beforeS * 1000
  const spikeEnd = spikeStart + spikeS * 1000
  const timeline = new PhaseStats(startMs)
  const segments = { before: new PhaseStats(), spike: new PhaseStats(), after: new PhaseStats(), recovered: new PhaseStats() }
  const sinks = (result: VegetaResult) => {
    const at = Date.parse(result.timestamp)
    const segment = at < spikeStart ? segments.before : at < spikeEnd ? segments.spike : segments.after
    return at >= spikeEnd + RECOVERY_S * 1000 ? [timeline, segment, segments.recovered] : [timeline, segment]
  }
  const onResult = recorder(session, sinks)
  session.log(`spike: ${baseUsers} users, ${spikeUsers} for ${spikeS} s after ${beforeS} s (+ one client at ${greedyRate}/s), ${afterS} s after`)
  const memory = watchMemory(session.processes)
  await Promise.all([
    attack({ vegeta: session.vegeta, rate: baseUsers / THINK_TIME_S, durationS: beforeS + spikeS + afterS, next: rotation(session.users.slice(0, baseUsers), session.workload), onResult }),
    sleep(beforeS * 1000).then(() => attack({ vegeta: session.vegeta, rate: (spikeUsers - baseUsers) / THINK_TIME_S, durationS: spikeS, next: rotation(session.users.slice(baseUsers, spikeUsers), session.workload), onResult })),
    sleep(beforeS * 1000).then(() => attack({ vegeta: session.vegeta, rate: greedyRate, durationS: spikeS, next: greedy, onResult }))
  ])
  const figures = await memory.stop()
  const seconds = timeline.timeline()
  const spikeEndS = beforeS + spikeS
  const late = seconds.filter((s) => s.t >= spikeEndS)
  const lastBad = late.findLast((s) => s.errors + s.shed + s.limited > 0 || s.readP99 > BOUNDS_MS.read || s.writeP99 > BOUNDS_MS.write)
  const recoveredAfterS = late.length === 0 ? null : lastBad === undefined ? 0 : lastBad.t + 1 - spikeEndS
  const report = (stats: PhaseStats, planned: boolean, bounds = BOUNDS_MS) => {
    const byType = stats.byType()
    return { byType, verdict: verdict(byType, planned, bounds) }
  }
  const result = {
    baseUsers, spikeUsers, greedyRate, beforeS, spikeS, afterS,
    segments: {
      before: report(segments.before, false),
      spike: report(segments.spike, true, { read: SPIKE_ADMITTED_P99_MS, write: SPIKE_ADMITTED_P99_MS }),
      after: report(segments.after, false),
      recovered: report(segments.recovered, false)
    },
    recoveredAfterS,
    timeline: seconds,
    memory: figures
  }
  const spikeTypes = Object.values(result.segments.spike.byType)
  // Shedding is how an overloaded Haven keeps the admitted p99; a spike it absorbs needs none.
  const passed = result.segments.spike.verdict.withinBounds && spikeTypes.some((f) => f.limited > 0) &&
    result.segments.recovered.verdict.withinBounds && figures.every((p) => p.alive)
  session.log(`spike: admitted p99 reads ${result.segments.spike.verdict.readP99} / writes ${result.segments.spike.verdict.writeP99} ms, ` +
    `back within bounds ${recoveredAfterS ?? '?'} s after: ${passed ? 'passed' : 'FAILED'}`)
  return { ...result, passed }
}
