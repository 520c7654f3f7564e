// A benchmark dataset lives in a database of its own, recognised by a marker document:
// reused when its scale, seed, anchor and generators match what is asked; rebuilt when they
// do not, or when a seed was interrupted (the marker is written first, completed last). A
// database holding data without a marker is never dropped: it is not ours.
import type { Db } from 'mongodb'
import type pg from 'pg'
import { migrate } from '../../migrations/index.ts'
import { generatorsFingerprint } from './generators.ts'
import { hashSeedPassword } from './password.ts'
import type { SeedPlan } from './plan.ts'
import { writePlan, type WriteReport } from './writer.ts'

export const MARKER_COLLECTION = 'bench_dataset'

export interface DatasetMarker {
  _id: 'dataset'
  scale: string
  seed: number
  anchor: Date
  generators: string
  complete: boolean
  seededAt: Date
  report: WriteReport | null
}

export interface Dataset {
  marker: DatasetMarker
  /** false when this call seeded it */
  reused: boolean
}

function matches (marker: DatasetMarker, plan: SeedPlan): boolean {
  return marker.complete && marker.scale === plan.name && marker.seed === plan.seed &&
    marker.anchor.getTime() === plan.anchor.getTime() && marker.generators === generatorsFingerprint()
}

export async function ensureDataset (db: Db, pool: pg.Pool, plan: SeedPlan, options: { fresh?: boolean } = {}): Promise<Dataset> {
  const markers = db.collection<DatasetMarker>(MARKER_COLLECTION)
  const found = await markers.findOne({ _id: 'dataset' })
  if (found !== null && options.fresh !== true && matches(found, plan)) return { marker: found, reused: true }

  if (found === null) {
    const collections = await db.listCollections({}, { nameOnly: true }).toArray()
    for (const { name } of collections) {
      if (await db.collection(name).estimatedDocumentCount() > 0) {
        throw new Error(`database ${db.databaseName} holds data (${name}) but no ${MARKER_COLLECTION} marker: it is not a seeded dataset, so it is left alone; choose another database`)
      }
    }
  } else {
    process.stderr.write(`seed: database ${db.databaseName} holds ${found.complete ? `scale ${found.scale}, seed ${found.seed} (${found.generators})` : 'an interrupted seed'}; rebuilding it\n`)
  }
  await db.dropDatabase()
  await migrate(db, pool)

  const marker: DatasetMarker = {
    _id: 'dataset', scale: plan.name, seed: plan.seed, anchor: plan.anchor, generators: generatorsFingerprint(), complete: false, seededAt: new Date(), report: null
  }
  await markers.insertOne(marker)
  const report = await writePlan(db, { plan, passwordHash: await hashSeedPassword(plan.password) })
  await markers.updateOne({ _id: 'dataset' }, { $set: { complete: true, report } })
  return { marker: { ...marker, complete: true, report }, reused: false }
}
