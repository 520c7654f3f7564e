// The order npm test starts its files in: longest first, so the files that take a minute
// start while the many short ones fill the other jobs, instead of one starting last and
// running alone. A file's length is what it took last time: the durations of the last
// full run on this machine (.tap/durations.json, written by npm test), else those
// committed in test/durations.json (a reference run; CI starts from a fresh clone). A file
// in neither starts first: new files are the ones whose length nobody knows yet.
import { readFile } from 'node:fs/promises'

export type Durations = Record<string, number>

const FILE_RESULT = /^(?:not ok|ok) \d+ - (test\/\S+\.test\.ts) # time=([\d.]+)ms/

/** Each file's duration in ms, from tap's TAP output (top-level results only). */
export function durationsFrom (tap: string): Durations {
  const durations: Durations = {}
  for (const line of tap.split('\n')) {
    const match = FILE_RESULT.exec(line)
    if (match !== null) durations[match[1]!] = Math.round(Number(match[2]))
  }
  return durations
}

/** Unknown files first, then the longest first; ties by name. */
export function longestFirst (files: string[], durations: Durations): string[] {
  const length = (file: string) => durations[file] ?? Number.POSITIVE_INFINITY
  return [...files].sort((a, b) => length(b) - length(a) || a.localeCompare(b))
}

export async function readDurations (...paths: string[]): Promise<Durations> {
  const all = await Promise.all(paths.map(async (path) => JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as Durations))
  // The first path wins: the local run over the committed reference.
  return Object.assign({}, ...all.reverse()) as Durations
}
