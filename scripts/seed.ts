// npm run seed: data to look at and data to measure.
//
//   npm run seed                                  the demo agency in the dev stack (for npm run dev),
//                                                 made through the app itself; prints its logins;
//                                                 does nothing if it exists (--fresh: made again)
//   npm run seed -- --scale S|M|L [--seed N]      a benchmark dataset in the bench stack, the same
//        [--database NAME] [--fresh]              data for the same seed; reused if already there
//
// MONGODB_URL, DATABASE_URL and REDIS_URL in the environment replace the stack's servers.
import { parseArgs } from 'node:util'
import { MongoClient } from 'mongodb'
import { migrate, migrationPool } from '../migrations/index.ts'
import { withDatabase } from '../test/support/databases.ts'
import { ensureDataset } from './seed/dataset.ts'
import { describeDemoLogins, removeDemo, seedDemoInto } from './seed/demo.ts'
import { isScale, scalePlan, type ScaleName } from './seed/plan.ts'
import { benchStackUp } from './seed/stack.ts'
import { stackUp } from './stack.ts'

const USAGE = 'usage: npm run seed [-- --fresh] | npm run seed -- --scale XS|S|M|L [--seed N] [--database NAME] [--fresh]'

export function datasetDatabase (scale: ScaleName, seed: number): string {
  return `bench_${scale}_${seed}`
}

async function demo (fresh: boolean): Promise<void> {
  const urls = await stackUp('dev')
  const client = new MongoClient(urls.MONGODB_URL, { serverSelectionTimeoutMS: 5_000 })
  const pool = migrationPool(urls.DATABASE_URL)
  try {
    await migrate(client.db(), pool)
    if (fresh && await removeDemo(client.db())) process.stdout.write('Removed the demo agency\n')
  } finally {
    await Promise.all([client.close(), pool.end()])
  }
  const outcome = await seedDemoInto(urls)
  process.stdout.write(`${outcome === 'created' ? 'Created the demo agency' : 'The demo agency exists already'} in ${urls.MONGODB_URL}\n` +
    `Log in with\n${describeDemoLogins()}\n` +
    '(npm run dev, then POST /v1/auth/login, or try it at http://127.0.0.1:3000/docs)\n')
}

async function scale (name: ScaleName, seed: number, database: string | undefined, fresh: boolean): Promise<void> {
  const urls = await benchStackUp(name)
  const dbName = database ?? datasetDatabase(name, seed)
  const mongoUrl = withDatabase(urls.MONGODB_URL, dbName)
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 })
  const pool = migrationPool(urls.DATABASE_URL)
  try {
    const plan = scalePlan(name, seed)
    const { marker, reused } = await ensureDataset(client.db(), pool, plan, { fresh })
    const report = marker.report
    process.stdout.write(`${reused ? 'Reused' : 'Seeded'} scale ${name}, seed ${seed} in ${mongoUrl}\n`)
    if (report !== null) {
      for (const [collection, count] of Object.entries(report.counts)) process.stdout.write(`  ${collection.padEnd(21)} ${count.toLocaleString('en-US').padStart(10)}\n`)
      process.stdout.write(`  ${report.documents.toLocaleString('en-US')} documents in ${report.seconds.toFixed(1)} s: ${report.docsPerSecond.toLocaleString('en-US')} documents/s${reused ? ' (when it was seeded)' : ''}\n`)
    }
    process.stdout.write(`Owners log in as ${plan.agencies[0]!.ownerEmail} … (one per agency), password: ${plan.password}\n`)
  } finally {
    await Promise.all([client.close(), pool.end()])
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      seed: { type: 'string', default: '1' },
      database: { type: 'string' },
      fresh: { type: 'boolean', default: false }
    }
  })
  const seed = Number(values.seed)
  if (values.scale === undefined) {
    await demo(values.fresh)
  } else if (!isScale(values.scale) || !Number.isSafeInteger(seed)) {
    process.stderr.write(`${USAGE}\n`)
    process.exit(2)
  } else {
    await scale(values.scale, seed, values.database, values.fresh)
  }
}
