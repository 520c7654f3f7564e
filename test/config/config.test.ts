import { test } from 'tap'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { ConfigError, loadConfig, redisTarget, trustProxySetting } from '../../config.ts'

const valid = {
  MONGODB_URL: 'mongodb://127.0.0.1:1/haven',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:1/haven',
  REDIS_URL: 'redis://127.0.0.1:1',
  JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256'
}

test('defaults apply and values are coerced', async (t) => {
  const config = loadConfig({ ...valid, PORT: '8080', SOMETHING_ELSE: 'ignored' })
  t.equal(config.PORT, 8080)
  t.equal(trustProxySetting(config.TRUST_PROXY), false, 'no proxy is trusted unless configured')
  t.equal(config.HAVEN_ROLE, 'all')
  t.equal(config.MONGODB_QUERY_TIMEOUT_MS, 5_000, 'queries: 5 s')
  t.equal(config.CACHE_OP_TIMEOUT_MS, 1_000, 'cache operations: 1 s')
  t.equal(config.REQUEST_TIMEOUT_MS, 30_000, 'requests: 30 s')
  t.notOk('SOMETHING_ELSE' in config, 'unrelated environment variables are not kept')
})

test('PLUGIN_TIMEOUT_MS is how long a plugin may take to start', async (t) => {
  const Fastify = (await import('fastify')).default
  const { serverOptions } = await import('../../app.ts')
  t.equal(loadConfig(valid).PLUGIN_TIMEOUT_MS, 10_000, 'Fastify\'s own 10 s unless set')
  const startWith = async (pluginTimeoutMs: number) => {
    const app = Fastify({ ...serverOptions(loadConfig({ ...valid, LOG_LEVEL: 'silent', PLUGIN_TIMEOUT_MS: String(pluginTimeoutMs) })) })
    void app.register(async () => { await new Promise((resolve) => setTimeout(resolve, 200)) })
    const outcome = await app.ready().then(() => 'started', (err: { code?: string }) => err.code)
    await app.close().catch(() => undefined) // a start that failed fails its close the same way
    return outcome
  }
  t.equal(await startWith(50), 'FST_ERR_PLUGIN_TIMEOUT', 'a plugin slower than the limit stops start-up')
  t.equal(await startWith(60_000), 'started', 'a slow start within the limit is a start')
})

test('a bad or missing value is one line naming the variable', async (t) => {
  t.throws(() => loadConfig({ ...valid, PORT: 'eighty' }), new ConfigError('Invalid configuration: PORT must be integer (got "eighty")'))
  t.throws(() => loadConfig({ ...valid, MONGODB_URL: undefined }), new ConfigError("Invalid configuration: MONGODB_URL must have required property 'MONGODB_URL' (it is not set)"))
  t.throws(() => loadConfig({ ...valid, HAVEN_ROLE: 'everything' }), /^Invalid configuration: HAVEN_ROLE must be equal to one of the allowed values/)
  t.throws(() => loadConfig({ ...valid, REDIS_URL: 'http://x' }), /^Invalid configuration: REDIS_URL must match pattern/)
})

test('an error names the variable and the rule, never the value of a secret or of a URL (it may carry a password)', async (t) => {
  const hidden = '(the value is not shown: it may hold a credential)'
  const cases: Array<[string, string, string]> = [
    ['JWT_SECRET', 'hunter2-is-too-short', 'must NOT have fewer than 32 characters'],
    ['OPS_TOKEN', 'hunter2 has a space and is long enough', 'must match pattern "^([\\x21-\\x7e]{32,})?$"'],
    ['DATABASE_URL', 'mysql://haven:hunter2@db.internal/haven', 'must match pattern "^postgres(ql)?://"'],
    ['MONGODB_URL', 'mongo://haven:hunter2@db.internal/haven', 'must match pattern "^mongodb(\\+srv)?://"'],
    ['REDIS_URL', 'redis-tls://:hunter2@cache.internal', 'must match pattern "^rediss?://"'],
    ['PROMETHEUS_URL', 'prometheus://admin:hunter2@metrics.internal', 'must match pattern "^(https?://.+)?$"']
  ]
  for (const [name, value, rule] of cases) {
    t.throws(() => loadConfig({ ...valid, [name]: value }), new ConfigError(`Invalid configuration: ${name} ${rule} ${hidden}`), name)
  }
  const cluster = { ...valid, REDIS_CLUSTER: 'true', REDIS_URL: 'rediss://haven:hunter2@10.0.0.1:6379,hunter2:99999' }
  t.throws(() => loadConfig(cluster), new ConfigError('Invalid configuration: REDIS_URL: seed node 2 is not host:port'), 'nor a part of REDIS_URL')
  t.throws(() => loadConfig({ ...valid, LOG_LEVEL: 'loud' }), /^Invalid configuration: LOG_LEVEL must be equal to one of the allowed values \(got "loud"\)$/, 'any other value is shown')
})

test('TRUST_PROXY trusts a number of hops or a list of proxy addresses, never every hop', async (t) => {
  const oneHop = trustProxySetting(loadConfig({ ...valid, TRUST_PROXY: '1' }).TRUST_PROXY) as (address: string, hop: number) => boolean
  t.same([oneHop('10.0.0.1', 0), oneHop('203.0.113.9', 1)], [true, false], 'one hop: the load balancer, not what the client wrote')
  t.same(trustProxySetting(loadConfig({ ...valid, TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,loopback,fd00::/8' }).TRUST_PROXY), ['10.0.0.0/8', '192.168.1.7', 'loopback', 'fd00::/8'])
  t.equal(trustProxySetting(loadConfig({ ...valid, TRUST_PROXY: 'false' }).TRUST_PROXY), false)
  for (const bad of ['true', '10.0.0.0/33', 'lb.internal', '10.0.0.1,']) {
    t.throws(() => loadConfig({ ...valid, TRUST_PROXY: bad }), /^Invalid configuration: TRUST_PROXY must be false, the number of proxies/, bad)
  }
})

test('REDIS_CLUSTER: REDIS_URL lists a Redis Cluster\'s seed nodes; a wrong cluster setting is one clear line', async (t) => {
  t.same(redisTarget(loadConfig(valid)), { mode: 'standalone', url: 'redis://127.0.0.1:1' }, 'by default one Redis, the URL as given')
  const cluster = { ...valid, REDIS_CLUSTER: 'true', REDIS_URL: 'rediss://haven:p%40ss:word@10.0.0.1:6379,redis-b.internal,[fd00::3]:7000/' }
  t.same(redisTarget(loadConfig(cluster)), {
    mode: 'cluster',
    nodes: [{ host: '10.0.0.1', port: 6379 }, { host: 'redis-b.internal', port: 6379 }, { host: 'fd00::3', port: 7000 }],
    username: 'haven',
    password: 'p@ss:word',
    tls: true,
    natMap: {}
  })
  const mapped = redisTarget(loadConfig({ ...cluster, REDIS_CLUSTER_NAT_MAP: '10.0.0.1:6379=127.0.0.1:16379, 10.0.0.2:6379=tunnel.example:16380' }))
  t.same(mapped.mode === 'cluster' && mapped.natMap, {
    '10.0.0.1:6379': { host: '127.0.0.1', port: 16379 },
    '10.0.0.2:6379': { host: 'tunnel.example', port: 16380 }
  }, 'announced addresses mapped to reachable ones')
  t.throws(() => loadConfig({ ...valid, REDIS_URL: 'redis://10.0.0.1:6379,10.0.0.2:6379' }), new ConfigError('Invalid configuration: REDIS_URL lists several hosts; for a Redis Cluster set REDIS_CLUSTER=true'))
  t.throws(() => loadConfig({ ...valid, REDIS_CLUSTER_NAT_MAP: 'a:1=b:2' }), /^Invalid configuration: REDIS_CLUSTER_NAT_MAP applies to a Redis Cluster only/)
  t.throws(() => loadConfig({ ...cluster, REDIS_URL: 'redis://10.0.0.1:6379/3' }), /^Invalid configuration: REDIS_URL must be redis:\/\/ or rediss:\/\/.* for a Redis Cluster \(no database but 0/)
  t.throws(() => loadConfig({ ...cluster, REDIS_URL: 'redis://10.0.0.1:6379,10.0.0.1:99999' }), new ConfigError('Invalid configuration: REDIS_URL: seed node 2 is not host:port'))
  t.throws(() => loadConfig({ ...cluster, REDIS_CLUSTER_NAT_MAP: '10.0.0.1:6379' }), /^Invalid configuration: REDIS_CLUSTER_NAT_MAP: "10.0.0.1:6379" is not announced-host:port=reachable-host:port/)
  t.throws(() => loadConfig({ ...valid, REDIS_KEY_PREFIX: 'haven{eu}:' }), /^Invalid configuration: REDIS_KEY_PREFIX must match pattern/, 'a brace in the prefix would be every key\'s hash tag')
})

test('the server refuses to start on a bad variable, naming it, before connecting to anything', async (t) => {
  const root = path.resolve(import.meta.dirname, '../..')
  const child = spawn(process.execPath, [path.join(root, 'server.ts')], {
    env: { PATH: process.env.PATH, ...valid, PORT: '99999' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  t.equal(code, 78, 'exits with EX_CONFIG')
  t.equal(stderr.trim(), 'Invalid configuration: PORT must be <= 65535 (got "99999")')
})

test('the server\'s start-up error never prints a secret', async (t) => {
  const root = path.resolve(import.meta.dirname, '../..')
  const child = spawn(process.execPath, [path.join(root, 'server.ts')], {
    env: { PATH: process.env.PATH, ...valid, JWT_SECRET: 'hunter2-is-too-short' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  t.equal(code, 78, 'exits with EX_CONFIG')
  t.equal(output.trim(), 'Invalid configuration: JWT_SECRET must NOT have fewer than 32 characters (the value is not shown: it may hold a credential)')
})

test('.env.example lists every variable, with its default', async (t) => {
  const { readFile } = await import('node:fs/promises')
  const { ConfigSchema } = await import('../../config.ts')
  const text = await readFile(path.resolve(import.meta.dirname, '../../.env.example'), 'utf8')
  const listed = new Map(text.split('\n').filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line)).map((line) => {
    const [name = '', ...value] = line.split('=')
    return [name, value.join('=')]
  }))
  const properties = ConfigSchema.properties as Record<string, { default?: unknown }>
  t.same([...listed.keys()].sort(), Object.keys(properties).sort(), 'same variables')
  for (const [name, schema] of Object.entries(properties)) {
    if (schema.default !== undefined) t.equal(listed.get(name), String(schema.default), `${name} default`)
  }
})
