// The demo agency of npm run seed and npm run dev: one realistic small portfolio with known
// logins, made by the application itself (demo-portfolio.ts). Created once; when its owner
// exists nothing is written.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Db } from 'mongodb'
import { buildApp } from '../../app.ts'
import { loadConfig } from '../../config.ts'
import type { StackUrls } from '../stack.ts'
import { MAX_ACCOUNTS_TRIED } from '../../plugins/app/sessions.ts'
import { createDemoAgency, DEMO_LOGINS, type DemoLogin } from './demo-portfolio.ts'

export { DEMO_LOGINS }
export const DEMO_LOGIN: DemoLogin = DEMO_LOGINS[0]!

export type DemoOutcome = 'created' | 'exists' | 'skipped'

/** Creates the demo agency in this app's databases unless its owner exists. */
export async function seedDemo (app: FastifyInstance, options: { onlyIntoEmpty?: boolean, now?: Date } = {}): Promise<DemoOutcome> {
  // An email may have accounts at several agencies: the demo is the agency it owns.
  const accounts = await app.repos.users.globalFindByEmailForLogin(DEMO_LOGIN.email, MAX_ACCOUNTS_TRIED)
  if (accounts.some((user) => user.role === 'owner')) return 'exists'
  if (options.onlyIntoEmpty === true && (await app.repos.agencies.adminIds(null, 1)).length > 0) return 'skipped'
  await createDemoAgency(app, options.now)
  return 'created'
}

/**
 * Builds the app on a stack's servers (API role: no worker runs in this process) and seeds the
 * demo there. onlyIntoEmpty: leave a database that holds other agencies alone (npm run dev).
 */
export async function seedDemoInto (urls: StackUrls, options: { onlyIntoEmpty?: boolean } = {}): Promise<DemoOutcome> {
  const app = await buildApp(loadConfig({
    ...urls,
    NODE_ENV: 'development',
    HAVEN_ROLE: 'api',
    // Its closing Redis connection is no news to the person seeding.
    LOG_LEVEL: 'error',
    // Tokens of this process are only used by its own injected requests.
    JWT_SECRET: randomBytes(32).toString('base64url'),
    // Seeding keeps the event loop busy on purpose: no load shedding.
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
    PRESSURE_MAX_EVENT_LOOP_UTILIZATION: '0'
  }))
  try {
    await app.ready()
    return await seedDemo(app, options)
  } finally {
    await app.close()
  }
}

/** npm run seed -- --fresh: removes the demo agency and everything of it, so it is made again. */
export async function removeDemo (db: Db): Promise<boolean> {
  const owner = await db.collection('users').findOne({ email: DEMO_LOGIN.email, role: 'owner' }, { projection: { agencyId: 1 } })
  if (owner === null) return false
  const agencyId = owner.agencyId
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) await db.collection(name).deleteMany({ agencyId })
  await Promise.all([db.collection('agencies').deleteOne({ _id: agencyId }), db.collection('agency_summaries').deleteOne({ _id: agencyId })])
  return true
}

export function describeDemoLogins (): string {
  return DEMO_LOGINS.map((login) => `  ${login.role.padEnd(8)} email: ${login.email.padEnd(24)} password: ${login.password}`).join('\n')
}
