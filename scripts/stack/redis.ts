// Redis from the system package, started with our own options: no config file is read,
// so a system redis-server (Debian's package starts one on 6379) is never touched.
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { requireCommand } from './apt.ts'
import type { StackLayout } from './profile.ts'
import { logProgress, run, runningPid, waitForPort } from './process.ts'
import type { Service } from './service.ts'

const dir = (layout: StackLayout) => path.join(layout.dataDir, 'redis')

export const redis: Service = {
  name: 'redis',
  urlVariable: 'REDIS_URL',
  programName: 'redis-server',
  // On SIGTERM redis writes its snapshot (dev) before exiting.
  stopSignal: 'SIGTERM',
  port: layout => layout.ports.redis,
  url: layout => `redis://127.0.0.1:${layout.ports.redis}`,
  pidFile: layout => path.join(dir(layout), 'redis.pid'),
  logFile: layout => path.join(layout.logDir, 'redis.log'),

  async start (layout) {
    const server = await requireCommand(layout.profile, 'redis-server', 'redis-server')
    const port = layout.ports.redis
    const pidFile = this.pidFile(layout)
    const logFile = this.logFile(layout)
    await mkdir(dir(layout), { recursive: true })
    await mkdir(layout.logDir, { recursive: true })

    // dev keeps Redis's default snapshots (dump.rdb in its folder); test and bench data is
    // throwaway (and a snapshot's fork in the middle of a benchmark would skew it).
    const persistence = layout.profile !== 'dev' ? ['--save', '', '--appendonly', 'no'] : []
    logProgress(layout.profile, `starting redis on 127.0.0.1:${port}`)
    await run(server, [
      '--bind', '127.0.0.1',
      '--port', String(port),
      '--protected-mode', 'yes',
      '--daemonize', 'yes',
      '--dir', dir(layout),
      '--pidfile', pidFile,
      '--logfile', logFile,
      ...persistence
    ])
    await waitForPort({
      what: 'redis',
      port,
      logFile,
      // The daemon listens before it writes its pid file, so a missing file means "still starting".
      isRunning: async () => !existsSync(pidFile) || await runningPid(pidFile, 'redis-server') !== undefined
    })
  }
}
