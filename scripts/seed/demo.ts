// The demo agency of npm run seed, for npm run dev: one realistic small portfolio with a
// known owner login. Created once; when the login exists already nothing is written.
import type { Db } from 'mongodb'
import { hashSeedPassword } from './password.ts'
import { agencyPlan, type SeedPlan } from './plan.ts'
import { REGIONS } from './places.ts'
import { writePlan } from './writer.ts'

export const DEMO_LOGIN = { email: 'demo@haven.example', password: 'haven-demo-password' } as const

const DEMO_SEED = 1
const DAY_MS = 24 * 3600 * 1000

export async function seedDemo (db: Db): Promise<{ created: boolean }> {
  const existing = await db.collection('users').findOne({ email: DEMO_LOGIN.email }, { projection: { _id: 1 } })
  if (existing !== null) return { created: false }

  // Dated up to today (not a fixed anchor like the benchmark datasets): the demo should look current.
  const anchor = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS)
  const plan: SeedPlan = {
    name: 'demo',
    seed: DEMO_SEED,
    anchor,
    password: DEMO_LOGIN.password,
    agencies: [agencyPlan(DEMO_SEED, 0, { name: 'Harbour & Vale Lettings', units: 64, ownerEmail: DEMO_LOGIN.email, region: REGIONS[0] }, anchor)]
  }
  await writePlan(db, { plan, passwordHash: await hashSeedPassword(plan.password) })
  return { created: true }
}
