// The second ceiling: a bare Fastify route (no plugins, no logger) answering the same small
// JSON body, so the cost of the framework and of Haven's plugins can be told apart.
// Run by the harness: PORT=… node this.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/', async () => ({ hello: 'world' }))
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
