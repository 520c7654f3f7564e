import { test } from 'tap'
import { build } from '../helper.ts'
import { applyIndexes, type IndexDefinitions } from '../../migrations/mongo/apply.ts'

test('MongoDB through the plugin', async (t) => {
  const app = await build(t)
  const db = app.mongo.db!

  await t.test('write, read and aggregate round trip', async (t) => {
    const items = db.collection<{ agencyId: string, kind: string, amount: number }>('roundtrip')
    await items.insertMany([
      { agencyId: 'a', kind: 'rent', amount: 1200 },
      { agencyId: 'a', kind: 'fee', amount: 50 },
      { agencyId: 'b', kind: 'rent', amount: 900 }
    ])
    const found = await items.findOne({ agencyId: 'a', kind: 'fee' }, { projection: { _id: 0 }, maxTimeMS: 1000 })
    t.same(found, { agencyId: 'a', kind: 'fee', amount: 50 })
    const totals = await items.aggregate<{ _id: string, total: number }>([
      { $group: { _id: '$agencyId', total: { $sum: '$amount' } } },
      { $sort: { _id: 1 } }
    ], { maxTimeMS: 1000 }).toArray()
    t.same(totals, [{ _id: 'a', total: 1250 }, { _id: 'b', total: 900 }])
  })

  await t.test('an index migration applied twice changes nothing the second time', async (t) => {
    const definitions: IndexDefinitions = {
      widgets: [
        { key: { agencyId: 1, createdAt: -1, _id: -1 } },
        { key: { agencyId: 1, code: 1 }, unique: true }
      ]
    }
    const first = await applyIndexes(db, definitions)
    t.same(first.created.sort(), ['widgets.agencyId_1_code_1', 'widgets.agencyId_1_createdAt_-1__id_-1'])
    const second = await applyIndexes(db, definitions)
    t.same(second.created, [])
    t.same(second.unchanged.length, 2)
    const names = (await db.collection('widgets').listIndexes().toArray()).map((index) => index.name).sort()
    t.same(names, ['_id_', 'agencyId_1_code_1', 'agencyId_1_createdAt_-1__id_-1'])
    await t.rejects(db.collection('widgets').insertMany([{ agencyId: 'a', code: 'x' }, { agencyId: 'a', code: 'x' }]), { code: 11000 }, 'the unique index is enforced')
  })
})
