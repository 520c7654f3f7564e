import { test } from 'tap'
import { indexServes, planOf } from '../../migrations/mongo/esr.ts'
import { checkQuery } from '../support/query-coverage.ts'
import { afterCursor } from '../../plugins/app/repositories/cursor.ts'
import { ObjectId } from 'mongodb'

const index = { key: { agencyId: 1, archived: 1, name: 1, _id: 1 } }

test('the ESR rule', async (t) => {
  t.ok(indexServes(index, planOf({ agencyId: 'a', archived: false }, { name: 1, _id: 1 })), 'equality then sort')
  t.ok(indexServes(index, planOf({ archived: false, agencyId: 'a' }, { name: -1, _id: -1 })), 'equality in any order, sort walked backwards')
  t.ok(indexServes(index, planOf({ agencyId: 'a', archived: false, ...afterCursor({ field: 'name', direction: 1 }, 'm', new ObjectId()) }, { name: 1, _id: 1 })), 'a keyset page')
  t.notOk(indexServes(index, planOf({ agencyId: 'a' }, { name: 1 })), 'a missing equality field breaks the prefix')
  t.notOk(indexServes(index, planOf({ agencyId: 'a', archived: false }, { createdAt: 1 })), 'another sort')
  t.notOk(indexServes(index, planOf({ agencyId: 'a', archived: false }, { name: 1, _id: -1 })), 'mixed directions')
  t.notOk(indexServes(index, planOf({ agencyId: 'a', archived: false, city: 'x' }, null)), 'an equality field outside the index')
  t.ok(indexServes({ key: { email: 1 }, unique: true }, planOf({ email: 'x', status: 'active' })), 'a unique point lookup serves any extra filter')
  t.same(planOf({ agencyId: 1, n: { $gte: 1 }, s: { $in: [1] } }), { equality: ['agencyId', 's'], sort: [], range: ['n'] })
})

test('the coverage check names what is wrong', async (t) => {
  t.equal(checkQuery('repo:properties.list', 'properties', { filter: { agencyId: 1, archived: false }, sort: { name: 1, _id: 1 } }), null)
  t.match(checkQuery('repo:properties.list', 'properties', { filter: { archived: false }, sort: { name: 1, _id: 1 } }), /no agencyId/)
  t.match(checkQuery('repo:properties.list', 'properties', { filter: { agencyId: 1, kind: 'x' }, sort: null }), /no declared index/)
  t.match(checkQuery('repo:nowhere.find', 'nowhere', { filter: { agencyId: 1 }, sort: null }), /declares no indexes/)
  t.equal(checkQuery('repo:users.globalFindByEmailForLogin', 'users', { filter: { email: 'x' }, sort: null }), null, 'a global path needs no agency, still an index')
})
