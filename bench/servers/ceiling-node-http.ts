// The first ceiling: Node's own HTTP server answering a small JSON body, nothing else.
// Whatever Haven does per request is measured against this. Run by the harness: PORT=… node this.
import http from 'node:http'

const body = JSON.stringify({ hello: 'world' })
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  response.end(body)
})
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => server.close(() => process.exit(0)))
