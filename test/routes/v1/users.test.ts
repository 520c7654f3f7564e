import { test } from 'tap'
import { ObjectId } from 'mongodb'
import { build, type App } from '../../helper.ts'
import { PASSWORD, signup, staff, uniqueEmail } from '../../support/session.ts'

const login = (app: App, email: string, password = PASSWORD) => app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } })
const refresh = (app: App, refreshToken: string) => app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken } })
const newUser = (role: string, extra: Record<string, unknown> = {}) => ({ email: uniqueEmail(role), name: `New ${role}`, role, password: PASSWORD, ...extra })

test('users', async (t) => {
  const app = await build(t)
  const owner = await signup(app, 'Agency A')
  const other = await signup(app, 'Agency B')
  const admin = await staff(app, owner, 'admin')

  await t.test('admins add staff: 201 + Location, email stored lowercase, the new user logs in, no hash leaves', async (t) => {
    const email = uniqueEmail('Mixed.Case')
    const created = await admin.post('/v1/users', { email, name: 'Mia Manager', role: 'manager', password: PASSWORD })
    t.equal(created.statusCode, 201)
    const body = created.json()
    t.equal(created.headers.location, `/v1/users/${body.id}`)
    t.match(body, { email: email.toLowerCase(), name: 'Mia Manager', role: 'manager', status: 'active' })
    t.notOk('passwordHash' in body)
    t.notOk('password' in body)
    t.equal((await login(app, email.toUpperCase())).statusCode, 200, 'logs in with the email in any case')

    const fetched = await owner.get(`/v1/users/${body.id}`)
    t.same(fetched.json(), body)
    t.equal(fetched.headers['cache-control'], 'private, no-cache')
    const list = await owner.get('/v1/users?limit=100')
    t.notOk(list.body.includes('passwordHash'), 'lists carry no hash either')
  })

  await t.test('an email of another user of the agency answers 409 EMAIL_TAKEN, in any case; one of another agency is no conflict', async (t) => {
    const before = await app.mongo.db!.collection('users').countDocuments()
    const taken = await owner.post('/v1/users', newUser('viewer', { email: admin.email.toUpperCase() }))
    t.equal(taken.statusCode, 409)
    t.equal(taken.json().code, 'EMAIL_TAKEN')
    t.equal(await app.mongo.db!.collection('users').countDocuments(), before)
    const elsewhere = await owner.post('/v1/users', newUser('viewer', { email: other.email, password: 'a password of agency A' }))
    t.equal(elsewhere.statusCode, 201, 'Agency B\'s owner can also work here, as a separate account')
    t.equal((await login(app, other.email)).statusCode, 200, 'and still signs in to Agency B with their own password')
  })

  await t.test('viewers and managers read staff but cannot manage them', async (t) => {
    const viewer = await staff(app, owner, 'viewer')
    const manager = await staff(app, owner, 'manager')
    for (const reader of [viewer, manager]) {
      t.equal((await reader.get('/v1/users')).statusCode, 200)
      t.equal((await reader.get(`/v1/users/${admin.userId}`)).json().role, 'admin')
      for (const denied of [
        await reader.post('/v1/users', newUser('viewer')),
        await reader.patch(`/v1/users/${viewer.userId}`, { name: 'Renamed' }),
        await reader.delete(`/v1/users/${viewer.userId}`)
      ]) {
        t.equal(denied.statusCode, 403)
        t.equal(denied.json().code, 'FORBIDDEN')
      }
    }
  })

  await t.test('nobody creates an owner, not even the owner', async (t) => {
    const denied = await owner.post('/v1/users', newUser('owner'))
    t.equal(denied.statusCode, 403)
    t.equal(denied.json().code, 'FORBIDDEN')
    t.match(denied.json().message, /one owner/)
  })

  await t.test('only the owner adds an admin', async (t) => {
    const denied = await admin.post('/v1/users', newUser('admin'))
    t.equal(denied.statusCode, 403)
    t.match(denied.json().message, /Only the owner/)
    t.equal((await owner.post('/v1/users', newUser('admin'))).statusCode, 201)
  })

  await t.test('nobody changes their own role or status; their own name they may', async (t) => {
    for (const [who, change] of [[admin, { role: 'manager' }], [admin, { status: 'disabled' }], [owner, { role: 'admin' }], [owner, { status: 'disabled' }]] as const) {
      const denied = await who.patch(`/v1/users/${who.userId}`, change)
      t.equal(denied.statusCode, 403, `${who.role} ${JSON.stringify(change)}`)
      t.match(denied.json().message, /your own role or status/)
    }
    const renamed = await admin.patch(`/v1/users/${admin.userId}`, { name: 'Ada Admin' })
    t.equal(renamed.statusCode, 200)
    t.equal(renamed.json().name, 'Ada Admin')
  })

  await t.test('the owner\'s role and status cannot be changed, and only the owner edits the owner', async (t) => {
    for (const change of [{ role: 'manager' }, { status: 'disabled' }, { name: 'Renamed Owner' }]) {
      const denied = await admin.patch(`/v1/users/${owner.userId}`, change)
      t.equal(denied.statusCode, 403, JSON.stringify(change))
      t.equal(denied.json().code, 'FORBIDDEN')
    }
    t.match((await owner.get('/v1/users/me')).json(), { role: 'owner', status: 'active', name: 'Olive Owner' }, 'unchanged')
  })

  await t.test('only the owner grants or revokes admin, or changes an admin at all', async (t) => {
    const manager = await staff(app, owner, 'manager')
    const otherAdmin = await staff(app, owner, 'admin')
    for (const [target, change] of [[manager, { role: 'admin' }], [otherAdmin, { role: 'manager' }], [otherAdmin, { status: 'disabled' }], [otherAdmin, { name: 'Renamed' }]] as const) {
      const denied = await admin.patch(`/v1/users/${target.userId}`, change)
      t.equal(denied.statusCode, 403, `admin → ${target.role} ${JSON.stringify(change)}`)
      t.match(denied.json().message, /Only the owner/)
    }
    t.equal((await owner.patch(`/v1/users/${manager.userId}`, { role: 'admin' })).json().role, 'admin', 'the owner grants admin')
    t.equal((await owner.patch(`/v1/users/${manager.userId}`, { role: 'manager' })).json().role, 'manager', 'and revokes it')
    t.equal((await admin.patch(`/v1/users/${manager.userId}`, { role: 'viewer' })).json().role, 'viewer', 'admins change managers and viewers')
  })

  await t.test('the owner role is never granted by PATCH', async (t) => {
    const manager = await staff(app, owner, 'manager')
    const denied = await owner.patch(`/v1/users/${manager.userId}`, { role: 'owner' })
    t.equal(denied.statusCode, 403)
    t.match(denied.json().message, /one owner/)
    t.equal((await owner.get(`/v1/users/${manager.userId}`)).json().role, 'manager')
  })

  await t.test('DELETE disables: not yourself, not the owner, admins only by the owner', async (t) => {
    const otherAdmin = await staff(app, owner, 'admin')
    for (const [who, target] of [[admin, admin], [owner, owner], [admin, owner], [admin, otherAdmin]] as const) {
      const denied = await who.delete(`/v1/users/${target.userId}`)
      t.equal(denied.statusCode, 403, `${who.role} disabling ${target.role}`)
      t.equal(denied.json().code, 'FORBIDDEN')
    }
    const viewer = await staff(app, owner, 'viewer')
    const disabled = await admin.delete(`/v1/users/${viewer.userId}`)
    t.equal(disabled.statusCode, 200)
    t.equal(disabled.json().status, 'disabled')
    t.same((await admin.delete(`/v1/users/${viewer.userId}`)).json(), disabled.json(), 'disabling twice answers the same user')
    t.equal((await owner.delete(`/v1/users/${otherAdmin.userId}`)).json().status, 'disabled', 'the owner disables an admin')
  })

  await t.test('a disabled user can neither log in nor refresh; enabled again, only a new login works', async (t) => {
    const viewer = await staff(app, owner, 'viewer')
    await admin.delete(`/v1/users/${viewer.userId}`)
    const denied = await login(app, viewer.email)
    t.equal(denied.statusCode, 403)
    t.equal(denied.json().code, 'ACCOUNT_DISABLED')
    t.equal((await refresh(app, viewer.refreshToken)).statusCode, 401)

    t.equal((await admin.patch(`/v1/users/${viewer.userId}`, { status: 'active' })).json().status, 'active')
    t.equal((await refresh(app, viewer.refreshToken)).statusCode, 401, 'sessions ended by disabling stay ended')
    t.equal((await login(app, viewer.email)).statusCode, 200)
  })

  await t.test('PATCH status disabled ends the sessions too', async (t) => {
    const manager = await staff(app, owner, 'manager')
    t.equal((await admin.patch(`/v1/users/${manager.userId}`, { status: 'disabled' })).json().status, 'disabled')
    t.equal((await refresh(app, manager.refreshToken)).statusCode, 401)
  })

  await t.test('a demoted admin loses user management at once, before the access token expires', async (t) => {
    const demoted = await staff(app, owner, 'admin')
    await owner.patch(`/v1/users/${demoted.userId}`, { role: 'manager' })
    const denied = await demoted.post('/v1/users', newUser('viewer'))
    t.equal(denied.statusCode, 401)
    t.equal(denied.json().code, 'TOKEN_REVOKED', 'the admin\'s token is revoked')
    const renewed = await refresh(app, demoted.refreshToken)
    t.equal(renewed.statusCode, 200, 'a demotion keeps the session: a refresh gives a token with the new role')
    t.equal(app.jwt.decode<{ role: string }>(renewed.json().accessToken)!.role, 'manager')
    const asManager = await app.inject({ method: 'POST', url: '/v1/users', headers: { authorization: `Bearer ${renewed.json().accessToken}` }, payload: newUser('viewer') })
    t.equal(asManager.statusCode, 403)
    t.equal(asManager.json().code, 'FORBIDDEN')
  })

  await t.test('a change decided on a role that changed meanwhile does not apply', async (t) => {
    const manager = await staff(app, owner, 'manager')
    const agencyId = new ObjectId(owner.agencyId)
    const id = new ObjectId(manager.userId)
    t.equal(await app.repos.users.update(agencyId, id, { status: 'disabled' }, { role: 'viewer' }), null)
    t.equal((await owner.get(`/v1/users/${manager.userId}`)).json().status, 'active')
  })

  await t.test('password change: the current password is checked, other sessions end, a new pair answers', async (t) => {
    const viewer = await staff(app, owner, 'viewer')
    const otherDevice = (await login(app, viewer.email)).json()

    const wrong = await viewer.post('/v1/users/me/password', { currentPassword: 'not my password', newPassword: 'a brand new secret' })
    t.equal(wrong.statusCode, 403)
    t.equal(wrong.json().code, 'INVALID_CURRENT_PASSWORD')
    t.equal((await login(app, viewer.email)).statusCode, 200, 'a wrong attempt changes nothing')

    const changed = await viewer.post('/v1/users/me/password', { currentPassword: PASSWORD, newPassword: 'a brand new secret' })
    t.equal(changed.statusCode, 200)
    t.match(changed.json(), { tokenType: 'Bearer', accessToken: String, refreshToken: String })
    t.equal((await refresh(app, viewer.refreshToken)).statusCode, 401, 'this device\'s earlier session ended')
    t.equal((await refresh(app, otherDevice.refreshToken)).statusCode, 401, 'the other device\'s session ended')
    t.equal((await refresh(app, changed.json().refreshToken)).statusCode, 200, 'the new session works')
    t.equal((await login(app, viewer.email)).statusCode, 401, 'the old password no longer works')
    t.equal((await login(app, viewer.email, 'a brand new secret')).statusCode, 200)

    const stale = await viewer.post('/v1/users/me/password', { currentPassword: 'a brand new secret', newPassword: 'another new secret' })
    t.equal(stale.json().code, 'TOKEN_REVOKED', 'the access token from before the change no longer works')
    const tooShort = await app.inject({ method: 'POST', url: '/v1/users/me/password', headers: { authorization: `Bearer ${changed.json().accessToken}` }, payload: { currentPassword: 'a brand new secret', newPassword: 'short' } })
    t.equal(tooShort.json().code, 'VALIDATION_ERROR')
  })

  await t.test('/me, filters, sorts, keyset pages and the change feed', async (t) => {
    const agency = await signup(app, 'Paging Agency')
    const me = await agency.get('/v1/users/me')
    t.match(me.json(), { id: agency.userId, role: 'owner', email: agency.email })
    for (const [name, role] of [['Cy', 'viewer'], ['Al', 'manager'], ['Bo', 'viewer'], ['Di', 'manager']]) {
      t.equal((await agency.post('/v1/users', newUser(role!, { name }))).statusCode, 201)
    }
    const first = await agency.get('/v1/users?sort=name&limit=2')
    t.same(first.json().items.map((u: { name: string }) => u.name), ['Al', 'Bo'])
    const second = await agency.get(`/v1/users?sort=name&limit=2&cursor=${first.json().nextCursor}`)
    t.same(second.json().items.map((u: { name: string }) => u.name), ['Cy', 'Di'])
    const third = await agency.get(`/v1/users?sort=name&limit=2&cursor=${second.json().nextCursor}`)
    t.same(third.json().items.map((u: { name: string }) => u.name), ['Olive Owner'])
    t.equal(third.json().nextCursor, null)
    t.same((await agency.get('/v1/users?sort=-createdAt&limit=1')).json().items.map((u: { name: string }) => u.name), ['Di'])

    const viewers = await agency.get('/v1/users?role=viewer')
    t.same(viewers.json().items.map((u: { name: string }) => u.name), ['Bo', 'Cy'])
    const bo = viewers.json().items[0]
    const since = new Date().toISOString()
    await new Promise((resolve) => setTimeout(resolve, 5))
    await agency.delete(`/v1/users/${bo.id}`)
    t.same((await agency.get('/v1/users?status=disabled')).json().items.map((u: { name: string }) => u.name), ['Bo'])
    t.same((await agency.get('/v1/users?status=active&role=viewer')).json().items.map((u: { name: string }) => u.name), ['Cy'], 'both filters at once')
    const changes = await agency.get(`/v1/users?updatedSince=${encodeURIComponent(since)}`)
    t.same(changes.json().items.map((u: { name: string }) => u.name), ['Bo'], 'only what changed since')
  })

  await t.test('another agency\'s user is invisible: 404 on get, update and disable, absent from lists', async (t) => {
    const mine = await staff(app, owner, 'manager')
    for (const response of [
      await other.get(`/v1/users/${mine.userId}`),
      await other.patch(`/v1/users/${mine.userId}`, { name: 'Stolen' }),
      await other.patch(`/v1/users/${mine.userId}`, { role: 'viewer' }),
      await other.delete(`/v1/users/${mine.userId}`)
    ]) {
      t.equal(response.statusCode, 404)
      t.equal(response.json().code, 'NOT_FOUND')
    }
    const theirs = await other.get('/v1/users?limit=100')
    t.same(theirs.json().items.map((u: { id: string }) => u.id), [other.userId], 'only their own staff')
    const feed = await other.get(`/v1/users?updatedSince=${encodeURIComponent(new Date(0).toISOString())}&limit=100`)
    t.same(feed.json().items.map((u: { id: string }) => u.id), [other.userId])
    t.match((await owner.get(`/v1/users/${mine.userId}`)).json(), { name: 'A manager', role: 'manager', status: 'active' }, 'unchanged')
  })

  await t.test('strict input: unknown fields, operators, bad ids and limits answer 400 and write nothing', async (t) => {
    const viewer = await staff(app, owner, 'viewer')
    const before = await app.mongo.db!.collection('users').countDocuments()
    const cases = [
      await owner.post('/v1/users', newUser('viewer', { agencyId: other.agencyId })),
      await owner.post('/v1/users', newUser('viewer', { status: 'disabled' })),
      await owner.post('/v1/users', newUser('viewer', { email: { $ne: '' } })),
      await owner.post('/v1/users', newUser('superuser')),
      await owner.post('/v1/users', newUser('viewer', { email: 'not-an-email' })),
      await owner.post('/v1/users', newUser('viewer', { password: 'short' })),
      await owner.patch(`/v1/users/${viewer.userId}`, { passwordHash: 'x' }),
      await owner.patch(`/v1/users/${viewer.userId}`, {}),
      await owner.patch('/v1/users/not-an-id', { name: 'x' }),
      await owner.post('/v1/users/me/password', { currentPassword: PASSWORD, newPassword: 'a brand new secret', userId: viewer.userId }),
      await owner.get('/v1/users?limit=1000'),
      await owner.get('/v1/users?role[$ne]=owner'),
      await owner.get('/v1/users?sort=email')
    ]
    t.same(cases.map((r) => r.statusCode), cases.map(() => 400))
    t.same(cases.map((r) => r.json().code), cases.map(() => 'VALIDATION_ERROR'))
    t.match(cases[0]!.json().details, [{ path: '/body', message: "unknown field 'agencyId'" }])
    t.equal(await app.mongo.db!.collection('users').countDocuments(), before, 'nothing was written')
    t.equal((await viewer.get('/v1/users/me')).json().name, 'A viewer', 'unchanged')
    t.equal((await login(app, owner.email)).statusCode, 200, 'the owner\'s password is unchanged')
  })

  await t.test('conditional GET: the ETag answers 304 until the user changes', async (t) => {
    const manager = await staff(app, owner, 'manager')
    const first = await owner.get(`/v1/users/${manager.userId}`)
    const etag = first.headers.etag as string
    t.ok(etag)
    const again = await owner.get(`/v1/users/${manager.userId}`, { 'if-none-match': etag })
    t.equal(again.statusCode, 304)
    t.equal(again.body, '')
    await owner.patch(`/v1/users/${manager.userId}`, { name: 'Renamed' })
    t.equal((await owner.get(`/v1/users/${manager.userId}`, { 'if-none-match': etag })).statusCode, 200)
    const list = await owner.get('/v1/users')
    t.equal((await owner.get('/v1/users', { 'if-none-match': list.headers.etag as string })).statusCode, 304, 'lists too')
  })
})
