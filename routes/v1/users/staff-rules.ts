// Who may change whom among an agency's staff. The routes already require the
// admin role; these rules add what a role rank alone cannot say: an agency has
// one owner (made at sign-up, never granted), nobody changes their own role or
// status, and administrators are made, changed and disabled by the owner only.
import type { ObjectId } from 'mongodb'
import type { Role, UserRecord } from '../../../plugins/app/repositories/users.ts'

export interface Actor { userId: ObjectId, role: Role }

export interface StaffChange {
  role?: Role | undefined
  status?: UserRecord['status'] | undefined
  name?: string | undefined
}

/**
 * Why the actor may not make this change, or null when they may. `target` is
 * null when the change creates a new user.
 */
export function staffRefusal (actor: Actor, target: Pick<UserRecord, '_id' | 'role'> | null, change: StaffChange): string | null {
  if (change.role === 'owner') return 'Nobody can be given the owner role: an agency has one owner, made at sign-up'
  if (target !== null) {
    if (target._id.equals(actor.userId)) {
      return change.role !== undefined || change.status !== undefined ? 'You cannot change your own role or status' : null
    }
    if (target.role === 'owner') return 'Only the owner can change the owner\'s account, and never its role or status'
    if (target.role === 'admin' && actor.role !== 'owner') return 'Only the owner can change or disable an administrator'
  }
  if (change.role === 'admin' && actor.role !== 'owner') return 'Only the owner can make someone an administrator'
  return null
}
