// Who the virtual users are: the dataset's active owners, admins and managers (viewers cannot
// record payments) of agencies with active leases, taken round-robin, so a run of N users
// spreads over min(N, accounts) logins and several VUs share a login only past that (one
// person, several devices). Read from MongoDB directly: choosing the cast is not part of the load.
import type { Db, ObjectId } from 'mongodb'
import type { Account } from './workload.ts'

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
