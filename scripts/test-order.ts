// The order npm test starts its files in: longest first, so the files that take a minute
// start while the many short ones fill the other jobs, instead of one starting last and
// running alone. A file's length is what it took in the last full run (test/durations.json:
// npm test rewrites it after every full run, and the copy committed with the code is what a
// fresh clone starts from). A file not in it starts first: new files are the ones whose
// length nobody knows yet.
import { readFile } from 'node:fs/promises'

export type Durations = Record<string, number>

const FILE_RESULT = /^(?:not ok|ok) \d+ - (test\/\S+\.test\.ts) # time=([\d.]+)ms/

/** Each file's duration in ms, from tap's TAP output (top-level results only), by file name. */
export function durationsFrom (tap: string): Durations {
  const durations: Durations = {}
  for (const line of tap.split('\n')) {
    const match = FILE_RESULT.exec(line)
    if (match !== null) durations[match[1]!] = Math.round(Number(match[2]))
  }
  return Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)))
}

/** Unknown files first, then the longest first; ties by name. */
export function longestFirst (files: string[], durations: Durations): string[] {
  const length = (file: string) => durations[file] ?? Number.POSITIVE_INFINITY
  return [...files].sort((a, b) => length(b) - length(a) || a.localeCompare(b))
}

export async function readDurations (path: string): Promise<Durations> {
  return JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as Durations
}

/** The `count` slowest files, one line each: seconds, then the file. */
export function slowestFiles (durations: Durations, count: number): string[] {
  return Object.entries(durations).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).slice(0, count)
    .map(([file, ms]) => `${(ms / 1000).toFixed(1).padStart(7)} s  ${file}`)
}
