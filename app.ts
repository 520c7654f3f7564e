// Builds the Haven app: third-party wrappers, then our decorators, then routes.
import path from 'node:path'
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import autoload from '@fastify/autoload'
import fp from 'fastify-plugin'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { trustProxySetting, type Config } from './config.ts'
import type { JobsOptions } from './plugins/app/jobs/index.ts'
import errorHandler, { requestIdOf } from './plugins/app/error-handler.ts'
import { VALIDATION_OPTIONS } from './schemas/common.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

const here = import.meta.dirname

export function serverOptions (config: Config): FastifyServerOptions {
  const pretty = config.NODE_ENV === 'development' && process.stdout.isTTY
  return {
    logger: {
      level: config.LOG_LEVEL,
      // Credentials never reach the logs, whatever a request carries.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.token', '*.refreshToken'],
        censor: '[redacted]'
      },
      ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {})
    },
    // plugins/app/request-log.ts writes one line per request, with its route, agency and user.
    logController: new LogController({ disableRequestLogging: true }),
    // Read by requestIdOf, which vets the caller's value before it reaches a log line.
    requestIdHeader: false,
    genReqId: requestIdOf,
    trustProxy: trustProxySetting(config.TRUST_PROXY),
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    pluginTimeout: config.PLUGIN_TIMEOUT_MS,
    bodyLimit: config.BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // A resource's list is /v1/charges, and /v1/charges/ reaches the same route: one route
    // each, so the document names every path once, without a trailing slash.
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { ...VALIDATION_OPTIONS } }
  }
}

export interface HavenOptions {
  config: Config
  jobs?: JobsOptions
  /**
   * Registers every plugin and route but opens no connection (the clients exist, unconnected):
   * the contract (npm run openapi) needs the routes' schemas, not the databases.
   */
  offline?: boolean
}

export async function havenApp (fastify: FastifyInstance, opts: HavenOptions): Promise<void> {
  fastify.decorate('config', opts.config)

  // First, so routes that third-party plugins add (/metrics, /docs) answer errors in our shape too.
  await fastify.register(errorHandler)
  // Read by the plugins that connect at start-up.
  const connect = { offline: opts.offline === true }
  await fastify.register(autoload, { dir: path.join(here, 'plugins/external'), encapsulate: false, options: connect })
  await fastify.register(autoload, {
    dir: path.join(here, 'plugins/app'),
    encapsulate: false,
    // Offline, nothing runs jobs: the runner (and its queue helpers) would connect to PostgreSQL.
    ignorePattern: opts.offline === true ? /^(error-handler\.ts|jobs)$/ : /^error-handler\.ts$/,
    options: { ...opts.jobs, ...connect }
  })
  await fastify.register(autoload, {
    dir: path.join(here, 'routes'),
    autoHooks: true,
    cascadeHooks: true,
    // A worker-only process keeps health and metrics but serves no API.
    ignorePattern: opts.config.HAVEN_ROLE === 'worker' ? /^v1$/ : undefined
  })
}

export async function buildApp (config: Config, options: Omit<HavenOptions, 'config'> & { server?: Partial<FastifyServerOptions> } = {}) {
  const app = Fastify({ ...serverOptions(config), ...options.server }).withTypeProvider<TypeBoxTypeProvider>()
  // fp: the app's decorators belong to the root instance that tests and the server hold.
  await app.register(fp(havenApp, { name: 'haven' }), { config, jobs: options.jobs, offline: options.offline })
  return app
}
