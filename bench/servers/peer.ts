// The peer (express-peer.ts): the conventional stack serving the dashboard body optimised Haven
// served, behind a token of its own (jsonwebtoken, HS256) for the dataset's largest agency, its
// limits counted in the same Redis under a prefix of its own.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import jwt from 'jsonwebtoken'
import type { SeedPlan } from '../../scripts/seed/plan.ts'
import type { StackUrls } from '../../scripts/stack/service.ts'
import { freePort, startServer, type ServerProcess } from './process.ts'

const root = path.resolve(import.meta.dirname, '..', '..')

/** The peer's process (stop also removes its body file), and the headers it accepts. */
export interface Peer extends ServerProcess {
  /** the headers of the dataset's largest agency's owner, for the peer */
  auth: Record<string, string>
}

export async function startPeer (plan: SeedPlan, urls: Pick<StackUrls, 'REDIS_URL'>, redisKeyPrefix: string, dashboardBody: string): Promise<Peer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'haven-peer-'))
  const bodyFile = path.join(dir, 'dashboard.json')
  await writeFile(bodyFile, dashboardBody)
  const secret = randomBytes(32).toString('base64url')
  const agency = plan.agencies[0]!.id.toHexString()
  const token = jwt.sign({ sub: agency, agency, role: 'owner' }, secret, { algorithm: 'HS256', issuer: 'haven-api', expiresIn: '1d' })
  const port = await freePort()
  let server: ServerProcess
  try {
    server = await startServer({
      name: 'peer-express',
      args: [path.join(import.meta.dirname, 'express-peer.ts')],
      cwd: root,
      port,
      readyPath: '/metrics',
      env: { PATH: process.env.PATH, PORT: String(port), JWT_SECRET: secret, REDIS_URL: urls.REDIS_URL, REDIS_KEY_PREFIX: `${redisKeyPrefix}peer:`, DASHBOARD_BODY_FILE: bodyFile }
    })
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  return {
    ...server,
    auth: { authorization: `Bearer ${token}` },
    stop: async () => {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
