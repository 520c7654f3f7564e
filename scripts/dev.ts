// npm run dev: bring the dev stack up (MongoDB on a persistent H2 file,
// PostgreSQL, Redis), migrate, and serve the API with its worker, restarting on
// code changes. Ctrl-C stops the server cleanly; the stack keeps running with
// its data (npm run stack -- down stops it).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DEV_CORS_ORIGINS } from '../config.ts'
import { stackUp } from './stack.ts'
import { describeReport, migrateUrls } from './migrate.ts'
import { describeDemoLogins, seedDemoInto } from './seed/demo.ts'

const root = path.resolve(import.meta.dirname, '..')
const urls = await stackUp('dev')
process.stderr.write(`${describeReport(await migrateUrls(urls.MONGODB_URL, urls.DATABASE_URL))}\n`)
// An empty database gets the demo agency, made by the app itself (npm run seed does the same).
const demo = await seedDemoInto(urls, { onlyIntoEmpty: true })

// Local secrets (the signing key, the operator's token), made once and kept with the dev
// data, so logins and the operator's proxy survive restarts.
async function devSecret (name: string): Promise<string> {
  const file = path.join(root, '.data', 'dev', name)
  try {
    return (await readFile(file, 'utf8')).trim()
  } catch {
    const secret = randomBytes(48).toString('base64url')
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, `${secret}\n`, { mode: 0o600 })
    return secret
  }
}

const port = process.env.PORT ?? '3000'
const opsToken = await devSecret('ops-token')
// HAVEN_REDIS_CLUSTER=1: the API uses the stack's Redis Cluster instead of its single Redis.
const redisCluster = urls.REDIS_CLUSTER_URL === undefined ? {} : { REDIS_URL: urls.REDIS_CLUSTER_URL, REDIS_CLUSTER: 'true' }
const env = { NODE_ENV: 'development', HAVEN_ROLE: 'all', LOG_LEVEL: 'info', CORS_ORIGINS: DEV_CORS_ORIGINS, JWT_SECRET: await devSecret('jwt-secret'), OPS_TOKEN: opsToken, ...process.env, ...urls, ...redisCluster, PORT: port }
process.stderr.write(`\nHaven API on http://127.0.0.1:${port}  (docs: /docs, readiness: /health/ready)\n` +
  `Browsers may call it from ${env.CORS_ORIGINS === '' ? 'no origin (CORS_ORIGINS is empty)' : env.CORS_ORIGINS.replaceAll(',', ', ')}\n` +
  `Operator's views (/ops/, /metrics): OPS_TOKEN=${opsToken} npm run ops-proxy, then http://127.0.0.1:9400/ops/\n` +
  (demo === 'skipped' ? '' : `Demo agency${demo === 'created' ? ' (just created)' : ''}: POST /v1/auth/login with\n${describeDemoLogins()}\n`) + '\n')

const server = spawn(process.execPath, ['--watch', '--watch-preserve-output', 'server.ts'], { cwd: root, env, stdio: 'inherit' })
// The terminal's Ctrl-C reaches the server too; it shuts down gracefully and we exit with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill(signal))
server.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)))
