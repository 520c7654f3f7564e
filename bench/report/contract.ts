// The JSON report (bench/results/latest.json) is the contract other tools read: this schema
// is it, checked by the harness's test. Keep it stable; put anything new in a run's `extra`.
import { Type, type Static } from 'typebox'

export const CONFIGS = ['optimised', 'unoptimised', 'baseline', 'metrics-only', 'observability-off'] as const

const Milliseconds = Type.Number({ minimum: 0 })

export const BenchRun = Type.Object({
  scenario: Type.String({ minLength: 1 }),
  /**
   * baseline: a ceiling server; optimised / unoptimised: Haven with HAVEN_UNOPTIMISED false / true;
   * metrics-only / observability-off (--observability): optimised Haven with OBSERVABILITY=metrics / off
   */
  config: Type.Enum(CONFIGS),
  connections: Type.Integer({ minimum: 1 }),
  /** duration of one measured round */
  durationS: Type.Number({ exclusiveMinimum: 0 }),
  /** requests per second, median over the rounds */
  rps: Type.Number({ minimum: 0 }),
  latencyMs: Type.Object({ p50: Milliseconds, p90: Milliseconds, p99: Milliseconds, max: Milliseconds }, { additionalProperties: false }),
  /** responses by HTTP status, summed over the rounds */
  statusCounts: Type.Record(Type.String({ pattern: '^[1-5][0-9][0-9]$' }), Type.Integer({ minimum: 0 })),
  /** requests without a 2xx answer (error statuses, connection errors, timeouts), summed */
  errors: Type.Integer({ minimum: 0 }),
  /** the server process's peak resident memory */
  rssPeakMB: Type.Number({ minimum: 0 }),
  /** the server process's CPU time over wall time, median over the rounds (100 = one core) */
  cpuPct: Type.Number({ minimum: 0 }),
  extra: Type.Record(Type.String(), Type.Unknown())
}, { additionalProperties: false })
export type BenchRun = Static<typeof BenchRun>

export const BenchReport = Type.Object({
  createdAt: Type.String({ format: 'date-time' }),
  commit: Type.String({ minLength: 1 }),
  node: Type.String({ minLength: 1 }),
  mongodb: Type.Object({ server: Type.String({ minLength: 1 }), version: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  scale: Type.String({ minLength: 1 }),
  runs: Type.Array(BenchRun)
}, { additionalProperties: false })
export type BenchReport = Static<typeof BenchReport>
