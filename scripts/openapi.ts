// npm run openapi: writes the OpenAPI document to openapi.json at the root, from the
// routes' schemas, with no database running: the app is built offline (every plugin
// and route registered, no connection opened) and asked for its document. The suite
// fails when the document the app serves differs from the committed file.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { buildApp } from '../app.ts'
import { loadConfig } from '../config.ts'

const root = path.resolve(import.meta.dirname, '..')

// Offline, the addresses are never dialled; the document depends on no setting.
const config = loadConfig({
  NODE_ENV: 'production',
  HAVEN_ROLE: 'api',
  LOG_LEVEL: 'warn',
  MONGODB_URL: 'mongodb://127.0.0.1:27017/haven',
  DATABASE_URL: 'postgres://127.0.0.1:5432/haven',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: randomBytes(32).toString('base64url')
})
const app = await buildApp(config, { offline: true })
await app.ready()
const file = path.join(root, 'openapi.json')
await writeFile(file, `${JSON.stringify(app.swagger(), null, 2)}\n`)
await app.close()
process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`)
