// npm run bench:uptime -- [--users N] [--duration S] [--fault-every S] [--scale …]: the users
// workload through a running cluster's balancer (npm run cluster -- up) for --duration (default
// 30 minutes) while a fault schedule restarts, in turn, Redis, PostgreSQL and one API process
// (each server stays down for --down seconds). Reports the share of requests answered without
// an error (the seed asks 99.9 %), overall and per fault, in bench/results/uptime-latest.json.
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { postgres } from '../../scripts/stack/postgres.ts'
import { stackLayout } from '../../scripts/stack/profile.ts'
import { redis } from '../../scripts/stack/redis.ts'
import { ensureRunning, stopService, type Service } from '../../scripts/stack/service.ts'
import { steady } from '../users/phases.ts'
import { restartOne } from './rolling.ts'
import { clusterSession } from './session.ts'

const log = (message: string) => process.stderr.write(`bench:uptime: ${message}\n`)

interface FaultRecord { fault: string, at: number, endedAt: number, detail: string }

async function restartServer (service: Service, downS: number): Promise<string> {
  // The cluster runs on the bench stack's servers (npm run cluster), never the test stack's.
  const layout = stackLayout('bench')
  await stopService(service, layout)
  await sleep(downS * 1000)
  await ensureRunning(service, layout)
  return `${service.name} down for ${downS} s`
}

async function main (): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      users: { type: 'string', default: '500' },
      duration: { type: 'string', default: '1800' },
      'fault-every': { type: 'string', default: '300' },
      down: { type: 'string', default: '10' },
      scale: { type: 'string', default: 'S' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' }
    }
  })
  const users = Number(values.users)
  const durationS = Number(values.duration)
  const everyS = Number(values['fault-every'])
  const downS = Number(values.down)
  if (![users, durationS, everyS, downS].every((n) => Number.isInteger(n) && n > 0) || durationS > 4 * 3600) throw new Error('--users, --duration (≤ 4 h), --fault-every and --down are positive integers')

  const { state, secret, session } = await clusterSession(values.scale, Number(values.seed), users, 'up', log)

  const faults: FaultRecord[] = []
  const schedule: Array<{ name: string, run: () => Promise<string> }> = [
    { name: 'redis restart', run: () => restartServer(redis, downS) },
    { name: 'postgres restart', run: () => restartServer(postgres, downS) },
    {
      name: 'api restart',
      run: async () => {
        const api = state.processes.filter((p) => p.role === 'api')
        const target = api[faults.filter((f) => f.fault === 'api restart').length % api.length]!
        const facts = await restartOne(state, target, secret)
        return `${facts.name}: readiness false after ${facts.readinessFalseMs ?? '–'} ms, out of rotation after ${facts.balancerDownMs ?? '–'} ms, exited after ${facts.exitMs} ms`
      }
    }
  ]
  const startedAt = Date.now()
  const load = steady(session, 'uptime', users, durationS)
  const faulting = (async () => {
    // On a fixed schedule from the start (a fault's own duration does not push the next one back),
    // none in the last half interval, whose effects the run would not see.
    for (let i = 0; ; i++) {
      const due = startedAt + (i + 1) * everyS * 1000
      if (due + everyS * 1000 / 2 > startedAt + durationS * 1000) return
      await sleep(Math.max(0, due - Date.now()))
      const fault = schedule[i % schedule.length]!
      const at = Date.now()
      log(`${fault.name} at ${Math.round((at - startedAt) / 1000)} s`)
      const detail = await fault.run().catch((err: Error) => `failed: ${err.message}`)
      faults.push({ fault: fault.name, at: at - startedAt, endedAt: Date.now() - startedAt, detail })
      log(`${fault.name}: ${detail}`)
    }
  })()
  const phase = await load
  await faulting

  const all = Object.values(phase.byType)
  const sent = all.reduce((sum, f) => sum + f.sent, 0)
  const ok = all.reduce((sum, f) => sum + f.ok, 0)
  const share = sent === 0 ? 0 : ok / sent
  const report = { createdAt: new Date(startedAt).toISOString(), target: state.balancerUrl, users, durationS, faultEveryS: everyS, downS, faults, sent, ok, share, requests: phase.byType, memory: phase.memory }
  const outDir = path.resolve(values.out ?? path.join(import.meta.dirname, '..', 'results'))
  await mkdir(outDir, { recursive: true })
  await writeFile(path.join(outDir, 'uptime-latest.json'), `${JSON.stringify(report, null, 2)}\n`)
  log(`${ok.toLocaleString('en-US')} of ${sent.toLocaleString('en-US')} requests answered without an error: ${(share * 100).toFixed(3)} % (target 99.9 %), ${faults.length} faults (${path.join(outDir, 'uptime-latest.json')})`)
  if (share < 0.999) process.exitCode = 1
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:uptime: ${(err as Error).message}\n`)
    process.exit(1)
  })
}
