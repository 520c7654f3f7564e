// npm run bench's command line.
import { parseArgs } from 'node:util'
import path from 'node:path'
import { isScale, type ScaleName } from '../scripts/seed/plan.ts'
import type { LoadSettings } from './load.ts'
import { SCENARIOS } from './scenarios/index.ts'
import type { Scenario } from './scenarios/types.ts'

export const USAGE = `usage: npm run bench -- [scenario…] [--scale XS|S|M|L] [--connections N] [--duration S] [--rounds N] [--warmup S]
                     [--quick] [--seed N] [--database NAME] [--out DIR] [--reference] [--observability] [--check]
scenarios: ${SCENARIOS.map((s) => s.name).join(', ')} (default: all)
--quick: scale XS, 2 connections, 2 rounds of 1 s, no warm-up (the test suite's smoke run)
--reference: also write the report to bench/results/reference/ (committed; the README quotes it)
--check: exit 1 unless the report follows its contract and every run was prepared and answered every
         request 2xx (CI: whether the harness works, whatever the figures)
--observability: what observability costs: Haven optimised (metrics and the report's aggregates), metrics-only
                 and observability-off in place of unoptimised
--optimised-only: Haven as deployed only, no unoptimised run (for targets that are absolute or
                  ratios within the optimised run: the unoptimised one at L drops and rebuilds the
                  indexes and waits out its timeouts)`

export interface BenchOptions {
  scenarios: Scenario[]
  scale: ScaleName
  seed: number
  /** the dataset's database; default bench_<scale>_<seed> */
  database: string | undefined
  load: LoadSettings
  outDir: string
  reference: boolean
  /** run metrics-only and observability-off instead of unoptimised */
  observability: boolean
  /** no unoptimised run */
  optimisedOnly: boolean
  /** fail unless every run was prepared and answered 2xx */
  check: boolean
}

const DEFAULTS = { connections: 10, durationS: 10, rounds: 3, warmupS: 3 }
// No warm-up: the smoke run checks the harness, not a speed, and must stay under a minute.
const QUICK = { connections: 2, durationS: 1, rounds: 2, warmupS: 0 }

// Bounded: a benchmark never runs for hours by accident.
function integer (name: string, value: string | undefined, fallback: number, min = 1, max = 3_600): number {
  if (value === undefined) return fallback
  const number = Number(value)
  if (!Number.isInteger(number) || number < min || number > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}\n${USAGE}`)
  return number
}

export function parseOptions (argv: string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scale: { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      quick: { type: 'boolean', default: false },
      seed: { type: 'string' },
      database: { type: 'string' },
      out: { type: 'string' },
      reference: { type: 'boolean', default: false },
      observability: { type: 'boolean', default: false },
      'optimised-only': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false }
    }
  })
  const base = values.quick ? QUICK : DEFAULTS
  const scale = values.scale ?? (values.quick ? 'XS' : 'S')
  if (!isScale(scale)) throw new Error(`--scale must be XS, S, M or L, got ${JSON.stringify(scale)}\n${USAGE}`)
  const unknown = positionals.filter((name) => !SCENARIOS.some((s) => s.name === name))
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`)
  return {
    scenarios: positionals.length === 0 ? [...SCENARIOS] : SCENARIOS.filter((s) => positionals.includes(s.name)),
    scale,
    seed: integer('seed', values.seed, 1, 0, 2 ** 31 - 1),
    database: values.database,
    load: {
      connections: integer('connections', values.connections, base.connections),
      durationS: integer('duration', values.duration, base.durationS),
      rounds: integer('rounds', values.rounds, base.rounds),
      warmupS: integer('warmup', values.warmup, base.warmupS, 0)
    },
    outDir: path.resolve(values.out ?? path.join(import.meta.dirname, 'results')),
    reference: values.reference,
    observability: values.observability,
    optimisedOnly: values['optimised-only'],
    check: values.check
  }
}
