// Installs missing system packages, so a fresh Debian machine (CI) needs no manual set-up.
// Only done as root with apt-get; anywhere else a missing program is a clear error.
import { setTimeout as sleep } from 'node:timers/promises'
import { findExecutable, isRoot, logProgress, run } from './process.ts'

const LOCK_WAIT_MS = 120_000
let updated = false
// apt-get holds locks while it runs: services starting in parallel take turns here, and
// other apt-get runs (another profile's up, unattended upgrades) are waited for.
let queue: Promise<unknown> = Promise.resolve()

export function canInstallWithApt (): boolean {
  return isRoot() && findExecutable('apt-get') !== undefined
}

export function aptInstall (profile: string, aptPackage: string): Promise<void> {
  const turn = queue.then(() => install(profile, aptPackage))
  queue = turn.catch(() => {})
  return turn
}

async function install (profile: string, aptPackage: string): Promise<void> {
  if (!canInstallWithApt()) {
    throw new Error(`${aptPackage} is not installed; install it (Debian package ${aptPackage}), or run this as root where apt-get is available`)
  }
  if (!updated) {
    logProgress(profile, 'apt-get update')
    await aptGet(['update', '-q'])
    updated = true
  }
  logProgress(profile, `apt-get install ${aptPackage}`)
  await aptGet(['install', '-y', '-q', '--no-install-recommends', aptPackage])
}

// DPkg::Lock::Timeout covers dpkg's lock only; apt-get update fails at once on the lists lock.
async function aptGet (args: string[]): Promise<void> {
  // LC_ALL=C keeps the lock message in English, so it can be recognised.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' }
  const deadline = Date.now() + LOCK_WAIT_MS
  for (;;) {
    try {
      await run('apt-get', ['-o', `DPkg::Lock::Timeout=${LOCK_WAIT_MS / 1000}`, ...args], { env })
      return
    } catch (err) {
      if (!(err as Error).message.includes('Could not get lock') || Date.now() > deadline) throw err
      await sleep(1_000)
    }
  }
}

/** The path of command, installing aptPackage first when it is not on PATH. */
export async function requireCommand (profile: string, command: string, aptPackage: string): Promise<string> {
  const found = findExecutable(command)
  if (found !== undefined) return found
  await aptInstall(profile, aptPackage)
  const installed = findExecutable(command)
  if (installed === undefined) throw new Error(`apt-get installed ${aptPackage}, yet ${command} is not on PATH`)
  return installed
}
