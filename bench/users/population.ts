// Who the virtual users are: the dataset's active owners, admins and managers (viewers cannot
// record payments) of agencies with active leases, taken round-robin, so a run of N users
// spreads over min(N, accounts) logins and several VUs share a login only past that (one
// person, several devices). Read from MongoDB directly: choosing the cast is not part of the load.
// A login is one user for the rate limiter, so a dataset with few logins (XS has two) gets
// managers added through the API until no login carries more than VUS_PER_ACCOUNT VUs: 20 VUs
// send 240 requests a minute, well within RATE_LIMIT_MAX (1,000), so only the spike's greedy
// client is ever limited.
import type { Db, ObjectId } from 'mongodb'
import { THINK_TIME_S, type Account } from './workload.ts'

export const VUS_PER_ACCOUNT = 20
const EXTRA_EMAIL = (agency: number, n: number) => `users-bench-${agency}-${n}@bench.haven.example`

const LEASES_PER_ACCOUNT = 20

export async function loadAccounts (db: Db): Promise<Account[]> {
  const leases = new Map<string, string[]>()
  for await (const lease of db.collection<{ _id: ObjectId, agencyId: ObjectId }>('leases').find({ status: 'active' }, { projection: { agencyId: 1 } })) {
    const agency = lease.agencyId.toHexString()
    const list = leases.get(agency) ?? []
    if (list.length < LEASES_PER_ACCOUNT) list.push(lease._id.toHexString())
    leases.set(agency, list)
  }
  const users = await db.collection<{ email: string, agencyId: ObjectId }>('users')
    .find({ status: 'active', role: { $in: ['owner', 'admin', 'manager'] } }, { projection: { email: 1, agencyId: 1 } })
    .sort({ _id: 1 })
    .toArray()
  const accounts = users
    .map((user) => ({ email: user.email, agencyId: user.agencyId.toHexString(), leaseIds: leases.get(user.agencyId.toHexString()) ?? [] }))
    .filter((account) => account.leaseIds.length > 0)
  if (accounts.length === 0) throw new Error('the dataset has no active owner, admin or manager with active leases')
  return accounts
}

/** Adds managers (through the API, so they are real logins) until `users` VUs fit the limit. */
export async function ensureAccounts (db: Db, baseUrl: string, password: string, users: number, log: (message: string) => void): Promise<Account[]> {
  let accounts = await loadAccounts(db)
  const wanted = Math.ceil(users / VUS_PER_ACCOUNT)
  if (accounts.length >= wanted) return accounts
  log(`${accounts.length} logins for ${users} users (${Math.round((60 / THINK_TIME_S) * users / accounts.length)} requests a minute each): adding managers`)
  const owners = accounts.filter((account, i) => accounts.findIndex((a) => a.agencyId === account.agencyId) === i)
  const post = async (path: string, body: unknown, token?: string) => await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000)
  })
  for (let i = 0; accounts.length < wanted; i++) {
    const owner = owners[i % owners.length]!
    const login = await post('/v1/auth/login', { email: owner.email, password })
    if (!login.ok) throw new Error(`${owner.email} could not sign in to add managers: ${login.status}`)
    const { accessToken } = await login.json() as { accessToken: string }
    const created = await post('/v1/users', { email: EXTRA_EMAIL(i % owners.length, Math.floor(i / owners.length)), name: 'Bench Manager', role: 'manager', password }, accessToken)
    if (!created.ok && created.status !== 409) throw new Error(`adding a manager failed: ${created.status} ${await created.text()}`)
    accounts = await loadAccounts(db)
  }
  return accounts
}
