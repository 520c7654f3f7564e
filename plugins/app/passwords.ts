// Password hashing with argon2id (memory-hard; @node-rs/argon2 runs it on the
// thread pool, off the event loop). Verifying against a dummy hash when the
// account does not exist keeps login time the same either way, so timing does
// not reveal which emails have accounts.
import fp from 'fastify-plugin'
import { hash, verify } from '@node-rs/argon2'

declare module 'fastify' {
  interface FastifyInstance {
    passwords: {
      hash: (password: string) => Promise<string>
      /** false for a missing hash, after spending the same time as a real check */
      verify: (storedHash: string | undefined, password: string) => Promise<boolean>
    }
  }
}

export default fp(async function passwords (fastify) {
  const options = { memoryCost: fastify.config.PASSWORD_HASH_MEMORY_KIB, timeCost: 2, parallelism: 1 }
  const dummy = await hash('not-a-real-password', options)
  fastify.decorate('passwords', {
    hash: (password: string) => hash(password, options),
    verify: async (storedHash: string | undefined, password: string) => {
      const matches = await verify(storedHash ?? dummy, password).catch(() => false)
      return storedHash !== undefined && matches
    }
  })
}, { name: 'passwords' })
