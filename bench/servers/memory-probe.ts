// Loaded into a server under test with `node --import` (bench and cluster only, never in
// production): writes the process's memory figures and its event loop's load over the last
// half second (mean delay, utilisation: what @fastify/under-pressure sheds on) as one JSON line
// to HAVEN_MEMORY_PROBE_FILE twice a second, so the harness can report the V8 heap beside the
// RSS it reads from /proc, and the loop's load that the shedding thresholds are tuned from.
import { renameSync, writeFileSync } from 'node:fs'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import v8 from 'node:v8'

const file = process.env.HAVEN_MEMORY_PROBE_FILE
if (file !== undefined && file !== '') {
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  let lastUtilization = performance.eventLoopUtilization()
  const write = () => {
    const memory = process.memoryUsage()
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size]))
    const utilization = performance.eventLoopUtilization(lastUtilization)
    lastUtilization = performance.eventLoopUtilization()
    // under-pressure's own measure: the mean delay less the histogram's resolution.
    const eventLoopDelayMs = Number.isNaN(delay.mean) ? 0 : Math.max(0, delay.mean / 1e6 - 10)
    delay.reset()
    // Written aside and renamed, so a reader never sees half a line.
    writeFileSync(`${file}.tmp`, `${JSON.stringify({
      at: Date.now(), ...memory, newSpace: spaces.new_space ?? 0, oldSpace: spaces.old_space ?? 0, eventLoopDelayMs, eventLoopUtilization: utilization.utilization
    })}\n`)
    renameSync(`${file}.tmp`, file)
  }
  write()
  setInterval(write, 500).unref()
}
