// A progress bar on stderr for the seed and the benchmark. On a terminal it redraws one line
// (at most 10 times a second); in a log (CI, tests) it prints a line per tenth instead.

export interface Progress {
  /** advance by done units; note is shown after the count (e.g. a rate) */
  tick: (done: number, note?: string) => void
  finish: (summary: string) => void
}

const WIDTH = 28
const REDRAW_MS = 100

export function progressBar (label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  let done = 0
  let lastDraw = 0
  let lastTenth = -1
  const render = (note: string) => {
    const share = total === 0 ? 1 : Math.min(1, done / total)
    const filled = Math.round(share * WIDTH)
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${note ? ` ${note}` : ''}`
  }
  return {
    tick (count, note = '') {
      done += count
      if (stream.isTTY) {
        const now = Date.now()
        if (now - lastDraw < REDRAW_MS) return
        lastDraw = now
        stream.write(`\r${render(note)}\x1b[K`)
      } else {
        const tenth = total === 0 ? 10 : Math.floor((done / total) * 10)
        if (tenth === lastTenth) return
        lastTenth = tenth
        stream.write(`${render(note)}\n`)
      }
    },
    finish (summary) {
      stream.write(`${stream.isTTY ? `\r${render('')}\x1b[K\n` : ''}${label}: ${summary}\n`)
    }
  }
}
