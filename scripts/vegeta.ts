// vegeta (github.com/tsenart/vegeta), the open-loop load generator of the users workload
// (bench/users): built once from the Go module proxy with the machine's Go into the shared
// cache folder, like scripts/node24.sh fetches Node.js, so a fresh machine needs no manual step.
// Why vegeta: it sends each request at its scheduled time on a worker of its own (spawning more
// workers when the server is slow, never waiting for earlier answers), so a slow server shows up
// as latency instead of as fewer requests sent (coordinated omission); it reads targets lazily
// from a stream, which lets the workload pick each user's next request as it is sent; and it
// reports every request with its send time, latency, status, headers and body.
import { existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { cacheDir } from './stack/profile.ts'
import { findExecutable, run } from './stack/process.ts'

export const VEGETA_MODULE = 'github.com/tsenart/vegeta/v12'
export const VEGETA_VERSION = 'v12.13.0'

// Debian's Go (golang-go) is older than vegeta needs; the machines here have Go in /usr/local/go.
function goCommand (): string {
  const found = findExecutable('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined)
  if (found === undefined) throw new Error(`the users workload needs Go (1.22 or later) to build vegeta ${VEGETA_VERSION}; none is on PATH or in /usr/local/go`)
  return found
}

/** The vegeta binary, built first when this machine has none of this version. */
export async function ensureVegeta (env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = path.join(cacheDir(env), `vegeta-${VEGETA_VERSION}`)
  const binary = path.join(dir, 'bin', 'vegeta')
  if (existsSync(binary)) return binary
  process.stderr.write(`vegeta: building ${VEGETA_MODULE}@${VEGETA_VERSION} into ${dir}\n`)
  // Built under another name and renamed at the end, so an interrupted build never looks complete.
  const partial = `${dir}.partial-${process.pid}`
  try {
    await run(goCommand(), ['install', `${VEGETA_MODULE}@${VEGETA_VERSION}`], {
      env: {
        ...env,
        GOBIN: path.join(partial, 'bin'),
        // Inside the cache, so emptying the cache really starts from scratch, and ~/go is left alone.
        GOMODCACHE: path.join(cacheDir(env), 'go-mod'),
        GOFLAGS: '-modcacherw',
        CGO_ENABLED: '0'
      }
    })
    await mkdir(path.dirname(dir), { recursive: true })
    await rename(partial, dir)
  } catch (err) {
    // Another run building at the same time may have finished first.
    if (!existsSync(binary)) throw err
  } finally {
    await rm(partial, { recursive: true, force: true })
  }
  return binary
}
