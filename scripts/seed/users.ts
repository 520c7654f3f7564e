// users: the owner of each agency (the login the benchmark and the demo use) and, for larger
// agencies, staff in the other roles (plugins/app/repositories/users.ts). Every seeded user
// has the plan's password.
import type { Role, UserRecord } from '../../plugins/app/repositories/users.ts'
import type { Generator } from './generator.ts'
import { seededId } from './ids.ts'
import { FIRST_NAMES, LAST_NAMES } from './places.ts'
import { rng } from './prng.ts'

const STAFF_ROLES: readonly Role[] = ['admin', 'manager', 'manager', 'manager', 'viewer']

export const users: Generator<UserRecord> = {
  collection: 'users',
  version: 2,
  count: (agency) => 1 + agency.staff,
  * generate (agency, { plan, passwordHash }) {
    const r = rng(plan.seed, 'users', agency.index)
    const domain = agency.ownerEmail.slice(agency.ownerEmail.indexOf('@') + 1)
    for (let i = 0; i <= agency.staff; i++) {
      const createdAt = i === 0 ? agency.createdAt : r.date(agency.createdAt, plan.anchor)
      yield {
        _id: seededId(createdAt, 'users', agency.index, i),
        agencyId: agency.id,
        email: i === 0 ? agency.ownerEmail : `staff-${agency.index + 1}-${i}@${domain}`,
        name: `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`,
        role: i === 0 ? 'owner' : STAFF_ROLES[(i - 1) % STAFF_ROLES.length]!,
        // A few staff accounts were switched off over the years, as in any agency.
        status: i > 0 && r.chance(0.05) ? 'disabled' : 'active',
        passwordHash,
        // What signup and POST /v1/users write: no session revoked yet.
        sessionVersion: 0,
        createdAt,
        updatedAt: createdAt
      }
    }
  }
}
