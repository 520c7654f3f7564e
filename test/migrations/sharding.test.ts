// The shard keys: every collection declares one (or is unsharded on purpose), each can be
// sharded as declared (an index starts with the key; every unique index starts with the whole
// key, as MongoDB requires), and the sharding rule of the query-coverage check tells a query
// that reaches one shard from one that asks them all.
import { test } from 'tap'
import { MongoClient, ObjectId } from 'mongodb'
import { indexes } from '../../migrations/mongo/indexes.ts'
import { applyShardKeys, clusterIndexes, isShardedCluster } from '../../migrations/mongo/shard.ts'
import { shardKeys } from '../../migrations/mongo/shard-keys.ts'
import { checkQuery, shardProblem } from '../support/query-coverage.ts'

const startsWith = (key: Record<string, unknown>, prefix: Record<string, unknown>) => {
  const fields = Object.keys(key)
  return Object.keys(prefix).every((field, i) => fields[i] === field)
}

test('every collection can be sharded by its declared key', async (t) => {
  t.same(Object.keys(shardKeys).sort(), Object.keys(indexes).sort(), 'one declaration per collection')
  const cluster = clusterIndexes()
  for (const [collection, key] of Object.entries(shardKeys)) {
    if (key === 'unsharded') continue
    t.equal(Object.keys(key)[0], collection === 'agencies' || collection === 'agency_summaries' ? '_id' : 'agencyId', `${collection}: agency first`)
    const declared = cluster[collection]!
    t.ok(key._id !== undefined && Object.keys(key).length === 1 ? true : declared.some((index) => startsWith(index.key as Record<string, unknown>, key)), `${collection}: an index starts with ${JSON.stringify(key)}`)
    for (const index of declared.filter((i) => i.unique === true)) {
      t.ok(startsWith(index.key as Record<string, unknown>, key), `${collection}: unique ${JSON.stringify(index.key)} starts with the whole shard key`)
    }
  }
  t.notOk(cluster.leases!.some((index) => JSON.stringify(index.key) === '{"activeUnitId":1}'), 'on a cluster the lone activeUnitId guard is replaced')
  t.ok(cluster.leases!.some((index) => JSON.stringify(index.key) === '{"agencyId":1,"activeUnitId":1}' && index.unique === true && index.partialFilterExpression !== undefined), 'by one that leads with the agency')
})

test('the sharding rule: one agency reaches one shard; none, or several, ask every shard', async (t) => {
  const agencyId = new ObjectId()
  t.equal(shardProblem('list', 'properties', { agencyId }), null, 'an agency equality targets its shard')
  t.equal(shardProblem('list', 'properties', { $and: [{ agencyId }, { status: 'active' }] }), null, 'also inside $and')
  t.equal(shardProblem('list', 'properties', { agencyId: { $in: [agencyId] } }), null, 'an $in of one agency too')
  t.match(shardProblem('list', 'properties', { agencyId: { $in: [agencyId, new ObjectId()] } }), /would not target one shard/, 'an $in of two agencies does not')
  t.match(shardProblem('findByName', 'properties', { name: 'x' }), /would not target one shard/, 'no agency: every shard')
  t.match(shardProblem('globalFind', 'charges', { status: 'open' }), /would not target one shard/, 'a global* path on a sharded collection is refused')
  t.equal(shardProblem('adminRentDue', 'leases', { status: 'active' }), null, 'admin* paths are scatter-gather by design')
  t.equal(shardProblem('globalFindByEmailForLogin', 'users', { email: 'a@b.c' }), null, 'users stay unsharded: login reaches one shard')
  t.equal(shardProblem('get', 'agencies', { _id: agencyId }), null, 'agencies by _id')
  t.match(checkQuery('repo:units.byLabel', 'units', { filter: { label: 'A' }, sort: null }) ?? '', /agency/, 'checkQuery applies the rules')
})

test('on a replica set or the local server the migration shards nothing and says so', async (t) => {
  const client = new MongoClient(process.env.MONGODB_URL!)
  t.teardown(() => client.close())
  const db = client.db(`haven_shard_probe_${process.pid}`)
  const cluster = await isShardedCluster(db)
  t.equal(cluster, false, 'the test server is not a mongos')
  const report = await applyShardKeys(db, cluster)
  t.same(report, { cluster: false, sharded: [], unsharded: ['users', 'refresh_tokens'] })
})
