// Entry point: load the configuration, build the app, listen, and shut down gracefully on
// SIGINT/SIGTERM: an instance that serves HTTP first drains (readiness false for
// SHUTDOWN_DRAIN_MS, so the load balancer stops sending it requests), then closes: stop
// accepting, finish in-flight requests, let running jobs finish or release them, close pools,
// within SHUTDOWN_GRACE_MS. Whatever still runs after both (and 5 s more) is cut short.
import closeWithGrace from 'close-with-grace'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'

function configOrExit (): Config {
  try {
    return loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(78) // EX_CONFIG
    }
    throw err
  }
}

const config = configOrExit()
const app = await buildApp(config)
// A worker is not behind the balancer: it has nothing to drain.
const drainMs = config.HAVEN_ROLE === 'worker' ? 0 : config.SHUTDOWN_DRAIN_MS
const LAST_RESORT_MS = 5_000

closeWithGrace({ delay: drainMs + config.SHUTDOWN_GRACE_MS + LAST_RESORT_MS }, async ({ signal, err }) => {
  if (err !== undefined) {
    app.log.error({ err }, 'shutting down after an error')
  } else if (drainMs > 0) {
    app.draining.start()
    app.log.info({ signal, drainMs }, 'draining: readiness is false until the load balancer stops sending, then shutting down')
    await sleep(drainMs)
  }
  app.log.info({ signal }, 'shutting down')
  await app.close()
})

await app.listen({ host: config.HOST, port: config.PORT })
app.log.info({ role: config.HAVEN_ROLE }, 'Haven API ready')
