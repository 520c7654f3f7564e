// Loaded into a server under test with `node --import` (bench and cluster only, never in
// production): writes the process's memory figures as one JSON line to HAVEN_MEMORY_PROBE_FILE
// twice a second, so the harness can report the V8 heap beside the RSS it reads from /proc.
import { renameSync, writeFileSync } from 'node:fs'
import v8 from 'node:v8'

const file = process.env.HAVEN_MEMORY_PROBE_FILE
if (file !== undefined && file !== '') {
  const write = () => {
    const memory = process.memoryUsage()
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size]))
    // Written aside and renamed, so a reader never sees half a line.
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ at: Date.now(), ...memory, newSpace: spaces.new_space ?? 0, oldSpace: spaces.old_space ?? 0 })}\n`)
    renameSync(`${file}.tmp`, file)
  }
  write()
  setInterval(write, 500).unref()
}
