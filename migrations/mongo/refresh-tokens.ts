import type { IndexDescription } from 'mongodb'

export const refreshTokens: IndexDescription[] = [
  // Reuse of a rotated token revokes its whole family.
  { key: { familyId: 1, revokedAt: 1 } },
  // A password change or a disabled account revokes all of a user's tokens.
  { key: { agencyId: 1, userId: 1, revokedAt: 1 } },
  // MongoDB removes expired tokens itself.
  { key: { expiresAt: 1 }, expireAfterSeconds: 0 }
]
