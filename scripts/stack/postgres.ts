// A private PostgreSQL cluster in .data/<profile>/postgres, run from the system's server binaries.
// Local development and tests only: initdb uses trust authentication, so anyone who can reach
// 127.0.0.1:<port> may log in as any role without a password.
import { existsSync } from 'node:fs'
import { chmod, chown, mkdir, open, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { aptInstall } from './apt.ts'
import type { StackLayout } from './profile.ts'
import { findExecutable, isRoot, logProgress, run, START_TIMEOUT_MS } from './process.ts'
import type { Service } from './service.ts'

const DATABASE = 'haven'
// PostgreSQL refuses to run as root, so root runs it as the OS user Debian's package creates.
const OS_USER = 'postgres'
const APT_PACKAGE = 'postgresql-15'

const clusterDir = (layout: StackLayout) => path.join(layout.dataDir, 'postgres')

export const postgres: Service = {
  name: 'postgres',
  urlVariable: 'DATABASE_URL',
  programName: 'postgres',
  // SIGTERM is PostgreSQL's "smart" shutdown, which waits for every client (pools!) to disconnect.
  stopSignal: 'SIGINT',
  port: layout => layout.ports.postgres,
  url: layout => `postgres://postgres@127.0.0.1:${layout.ports.postgres}/${DATABASE}`,
  pidFile: layout => path.join(clusterDir(layout), 'postmaster.pid'),
  logFile: layout => path.join(layout.logDir, 'postgres.log'),

  async start (layout) {
    const bin = await findBinDir(layout.profile)
    const user = isRoot() ? OS_USER : undefined
    const dir = clusterDir(layout)
    const logFile = this.logFile(layout)
    const port = layout.ports.postgres
    await mkdir(layout.logDir, { recursive: true })
    await (await open(logFile, 'a')).close()
    if (user !== undefined) await handOverToOsUser(layout, dir, logFile)

    if (!existsSync(path.join(dir, 'PG_VERSION'))) {
      logProgress(layout.profile, `initdb ${dir}`)
      // --no-sync: a crash during initdb only means deleting the folder and running up again.
      await run(path.join(bin, 'initdb'), ['-D', dir, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C', '--no-sync'], { user, cwd: '/' })
    }

    const settings = ['max_connections=200']
    // Durability is pointless for test and benchmark data, and skipping it makes writes much faster.
    if (layout.profile !== 'dev') settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off')
    // pg_ctl hands -o to a shell, hence the quoted socket folder.
    const serverOptions = ['-h 127.0.0.1', `-p ${port}`, `-k ${shellQuote(dir)}`, ...settings.map(s => `-c ${s}`)].join(' ')
    logProgress(layout.profile, `starting postgres on 127.0.0.1:${port}`)
    try {
      await run(path.join(bin, 'pg_ctl'), [
        'start', '-D', dir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_MS / 1000), '-o', serverOptions
      ], { user, cwd: '/' })
    } catch (err) {
      throw new Error(`postgres did not start; see ${logFile}\n${(err as Error).message}`)
    }
    await createDatabase(bin, port)
  }
}

/** pg_config's folder when it has the server, else the newest /usr/lib/postgresql/<major>/bin. */
async function findBinDir (profile: string): Promise<string> {
  if (findExecutable('pg_config') !== undefined) {
    // Debian's libpq-dev also ships a pg_config, which names /usr/bin: no server there.
    const bin = (await run('pg_config', ['--bindir'])).trim()
    if (existsSync(path.join(bin, 'pg_ctl'))) return bin
  }
  const found = await newestDebianBinDir()
  if (found !== undefined) return found
  await aptInstall(profile, APT_PACKAGE)
  const installed = await newestDebianBinDir()
  if (installed === undefined) throw new Error(`apt-get installed ${APT_PACKAGE}, yet no pg_ctl is in /usr/lib/postgresql/*/bin`)
  return installed
}

async function newestDebianBinDir (): Promise<string | undefined> {
  const majors = (await readdir('/usr/lib/postgresql').catch(() => []))
    .filter(name => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
  return majors
    .map(major => path.join('/usr/lib/postgresql', major, 'bin'))
    .find(bin => existsSync(path.join(bin, 'pg_ctl')))
}

/**
 * Makes the cluster folder and log file the OS user's, and lets it reach them: it must be able
 * to traverse every parent folder (a clone under /root is not traversable by others).
 */
async function handOverToOsUser (layout: StackLayout, dir: string, logFile: string): Promise<void> {
  let uid: number
  let gid: number
  try {
    uid = Number((await run('id', ['-u', OS_USER])).trim())
    gid = Number((await run('id', ['-g', OS_USER])).trim())
  } catch {
    throw new Error(`running PostgreSQL as root needs the OS user "${OS_USER}"; install ${APT_PACKAGE} or run as a normal user`)
  }
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chown(dir, uid, gid)
  await chown(logFile, uid, gid)

  for (let folder = layout.dataDir; ; folder = path.dirname(folder)) {
    const { mode, uid: owner } = await stat(folder)
    if (owner !== uid && (mode & 0o001) === 0) {
      logProgress(layout.profile, `chmod o+x ${folder}, so the ${OS_USER} user can reach ${dir}`)
      await chmod(folder, (mode & 0o7777) | 0o001)
    }
    if (folder === path.dirname(folder)) break
  }
}

async function createDatabase (bin: string, port: number): Promise<void> {
  const connection = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres']
  const exists = await run(path.join(bin, 'psql'), [
    ...connection, '-d', 'postgres', '-tAc', `SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'`
  ])
  if (exists.trim() !== '1') await run(path.join(bin, 'createdb'), [...connection, DATABASE])
}

function shellQuote (value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`
}
