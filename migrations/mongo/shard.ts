// Applies the shard keys (shard-keys.ts) when the migration talks to a sharded cluster (mongos);
// against a replica set or the local server it does nothing and says so. Idempotent: a
// collection sharded already with the declared key is left alone.
import type { Db, IndexDescription } from 'mongodb'
import { nameOf, type IndexDefinitions } from './apply.ts'
import { indexes } from './indexes.ts'
import { shardedIndexReplacements, shardKeys } from './shard-keys.ts'

export interface ShardReport { cluster: boolean, sharded: string[], unsharded: string[] }

const ALREADY_SHARDED = 20 // AlreadyInitialized (older servers answer this for a second shardCollection)

export async function isShardedCluster (db: Db): Promise<boolean> {
  // isMaster, not hello: the local server speaks MongoDB 4.2's protocol, which has no hello.
  const answer = await db.admin().command({ isMaster: 1 })
  return answer.msg === 'isdbgrid'
}

/** The declared indexes, with the replacements a sharded cluster needs in place of the originals. */
export function clusterIndexes (): IndexDefinitions {
  return Object.fromEntries(Object.entries(indexes).map(([collection, declared]) => {
    const replacements = shardedIndexReplacements[collection] ?? []
    const kept = declared.filter((index) => !replacements.some((r) => r.drop === nameOf(index)))
    return [collection, [...kept, ...replacements.map((r) => r.create as IndexDescription)]]
  }))
}

export async function applyShardKeys (db: Db, cluster: boolean): Promise<ShardReport> {
  const report: ShardReport = { cluster, sharded: [], unsharded: [] }
  for (const [collection, key] of Object.entries(shardKeys)) {
    if (key === 'unsharded') report.unsharded.push(collection)
    if (!cluster || key === 'unsharded') continue
    // A unique index the shard key does not lead would make shardCollection refuse.
    for (const replacement of shardedIndexReplacements[collection] ?? []) {
      await db.collection(collection).dropIndex(replacement.drop).catch((err: { codeName?: string }) => {
        if (err.codeName !== 'IndexNotFound') throw err
      })
    }
    try {
      await db.admin().command({ shardCollection: `${db.databaseName}.${collection}`, key })
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_SHARDED) throw err
    }
    report.sharded.push(collection)
  }
  return report
}
