// The one password hash every seeded user shares, made like plugins/app/passwords.ts makes
// them (argon2id at the configured default cost), so logins verify exactly as in production.
import { hash } from '@node-rs/argon2'
import { ConfigSchema } from '../../config.ts'

export async function hashSeedPassword (password: string): Promise<string> {
  const { PASSWORD_HASH_MEMORY_KIB } = ConfigSchema.properties as Record<string, { default?: unknown }>
  const memoryCost = Number(PASSWORD_HASH_MEMORY_KIB?.default)
  return await hash(password, { memoryCost, timeCost: 2, parallelism: 1 })
}
