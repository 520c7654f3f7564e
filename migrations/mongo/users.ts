import type { IndexDescription } from 'mongodb'
import { listIndexes } from './list-indexes.ts'

export const users: IndexDescription[] = [
  // One account per email within an agency; the same person may have one at several agencies.
  { key: { agencyId: 1, email: 1 }, unique: true },
  // Login without a named agency: the email's accounts, oldest first. It keeps the name
  // of the unique { email } index of the one-agency-per-email model, so `npm run migrate`
  // rebuilds that one in place (apply.ts rebuilds a declaration that changed) and an
  // existing database loses the global uniqueness with it.
  { key: { email: 1, _id: 1 }, name: 'email_1' },
  // Instances catch up on recent session revocations (disabled, demoted, new password).
  { key: { sessionsRevokedAt: 1, _id: 1 }, sparse: true },
  ...listIndexes([[], ['role'], ['status'], ['status', 'role']], ['name', 'createdAt'])
]
