// A MongoDB-compatible server for development and tests: mongo-java-server, run by the small
// launcher in scripts/mongo-server. No MongoDB binaries are needed, only Java and Maven Central.
// dev stores data in an H2 MVStore file (demo data survives restarts); test and bench keep it in
// memory: measured on 200k documents, H2 inserts 5x slower and scans 15-20x slower than memory,
// so a bench dataset lives as long as its server (npm run bench reuses it while it runs).
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { requireCommand } from './apt.ts'
import type { StackLayout } from './profile.ts'
import { logProgress, run, runningPid, spawnDetached, waitForPort } from './process.ts'
import type { Service } from './service.ts'

const LAUNCHER_CLASS = 'MongoServerLauncher'
const SOURCES = path.resolve(import.meta.dirname, '..', 'mongo-server')
const POM = path.join(SOURCES, 'pom.xml')
const LAUNCHER_SOURCE = path.join(SOURCES, `${LAUNCHER_CLASS}.java`)
// bench: enough for scale S; npm run bench and npm run seed set HAVEN_MONGO_HEAP by scale.
const DEFAULT_HEAP = { dev: '2g', test: '1g', bench: '2g' }

const dir = (layout: StackLayout) => path.join(layout.dataDir, 'mongo')

export const mongo: Service = {
  name: 'mongo',
  urlVariable: 'MONGODB_URL',
  programName: LAUNCHER_CLASS,
  // The launcher's shutdown hook closes the H2 store, so SIGTERM loses no dev data.
  stopSignal: 'SIGTERM',
  port: layout => layout.ports.mongo,
  url: layout => `mongodb://127.0.0.1:${layout.ports.mongo}/haven`,
  pidFile: layout => path.join(dir(layout), 'mongo.pid'),
  logFile: layout => path.join(layout.logDir, 'mongo.log'),

  async start (layout) {
    const java = await requireCommand(layout.profile, 'java', 'openjdk-17-jre-headless')
    const classpath = await buildLauncher(layout)
    const port = layout.ports.mongo
    const pidFile = this.pidFile(layout)
    const logFile = this.logFile(layout)
    await mkdir(dir(layout), { recursive: true })
    await mkdir(layout.logDir, { recursive: true })

    const backend = layout.profile === 'dev'
      ? ['--backend', 'h2', '--file', path.join(dir(layout), 'haven.mv')]
      : ['--backend', 'memory']
    logProgress(layout.profile, `starting mongo-java-server (${backend[1]}) on 127.0.0.1:${port}`)
    const pid = await spawnDetached(java, [
      `-Xmx${heapSize(layout)}`,
      // After an OutOfMemoryError the server may linger half-dead; exiting shows up in status and the log.
      '-XX:+ExitOnOutOfMemoryError',
      '-cp', classpath,
      LAUNCHER_CLASS, '--port', String(port), ...backend
    ], logFile)
    await writeFile(pidFile, `${pid}\n`)
    await waitForPort({
      what: 'mongo-java-server',
      port,
      logFile,
      isRunning: async () => await runningPid(pidFile, LAUNCHER_CLASS) !== undefined
    })
  }
}

function heapSize (layout: StackLayout): string {
  const heap = process.env.HAVEN_MONGO_HEAP || DEFAULT_HEAP[layout.profile]
  if (!/^\d+[kmg]?$/i.test(heap)) throw new Error(`HAVEN_MONGO_HEAP must be a java heap size such as 512m or 2g, got ${JSON.stringify(heap)}`)
  return heap
}

/**
 * Fetches the jars and compiles the launcher into the shared cache, in a folder named by a hash
 * of pom.xml and the launcher source, so a change to either builds afresh and clones share builds.
 * Returns the java class path.
 */
async function buildLauncher (layout: StackLayout): Promise<string> {
  const hash = createHash('sha256')
    .update(await readFile(POM))
    .update('\0')
    .update(await readFile(LAUNCHER_SOURCE))
    .digest('hex')
    .slice(0, 16)
  const built = path.join(layout.cacheDir, `mongo-server-${hash}`)
  const classpath = [path.join(built, 'classes'), path.join(built, 'lib', '*')].join(path.delimiter)
  if (existsSync(built)) return classpath

  const mvn = await requireCommand(layout.profile, 'mvn', 'maven')
  const javac = await requireCommand(layout.profile, 'javac', 'openjdk-17-jdk-headless')
  logProgress(layout.profile, `fetching mongo-java-server and compiling its launcher into ${built}`)
  // Built under another name and renamed at the end, so an interrupted build never looks complete.
  const partial = `${built}.partial-${process.pid}`
  try {
    await run(mvn, [
      '-B', '-q', '-Dstyle.color=never', '-f', POM,
      // Inside the cache, so emptying the cache really starts from scratch, and ~/.m2 is left alone.
      `-Dmaven.repo.local=${path.join(layout.cacheDir, 'maven-repository')}`,
      'dependency:copy-dependencies', `-DoutputDirectory=${path.join(partial, 'lib')}`
    ])
    await run(javac, ['-d', path.join(partial, 'classes'), '-cp', path.join(partial, 'lib', '*'), LAUNCHER_SOURCE])
    await rename(partial, built)
  } catch (err) {
    // Another `up` running at the same time may have finished the same build first.
    if (!existsSync(built)) throw err
  } finally {
    await rm(partial, { recursive: true, force: true })
  }
  return classpath
}
