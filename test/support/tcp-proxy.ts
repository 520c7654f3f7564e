// A TCP proxy in front of a real server, so a test can make that server
// "unreachable" (cut) and reachable again (restore), slow (latency), or lose
// an answer it sent (dropNextResponse), without touching it for every other test file.
import net from 'node:net'
import { once } from 'node:events'

export interface TcpProxy {
  port: number
  /** rewrites a URL's port to go through the proxy */
  url: (target: string) => string
  /** drops open connections and refuses new ones */
  cut: () => void
  restore: () => void
  /** delays every chunk, both ways, by ms (0: none); order is kept */
  latency: (ms: number) => void
  /** the next bytes the server sends are not passed on: that connection closes instead, the request done but its answer lost */
  dropNextResponse: () => void
  close: () => Promise<void>
}

export async function startTcpProxy (targetHost: string, targetPort: number): Promise<TcpProxy> {
  let open = true
  let delayMs = 0
  let dropNext = false
  const sockets = new Set<net.Socket>()
  // A chunk never leaves before one that came earlier (also when the latency drops meanwhile),
  // and timers due at the same time fire in the order they were set: the stream stays in order.
  const forward = (from: net.Socket, to: net.Socket, fromServer: boolean) => {
    let lastDue = 0
    from.on('data', (chunk: Buffer) => {
      if (fromServer && dropNext) {
        dropNext = false
        from.destroy()
        to.destroy()
        return
      }
      const due = Math.max(Date.now() + delayMs, lastDue)
      lastDue = due
      if (due <= Date.now()) to.write(chunk)
      else setTimeout(() => { if (!to.destroyed) to.write(chunk) }, due - Date.now())
    })
  }
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy()
      return
    }
    const upstream = net.connect(targetPort, targetHost)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => { client.destroy(); upstream.destroy() })
    }
    forward(client, upstream, false)
    forward(upstream, client, true)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as net.AddressInfo).port

  const dropAll = () => { for (const socket of sockets) socket.destroy() }
  return {
    port,
    url: (target) => {
      const parsed = new URL(target)
      parsed.host = `127.0.0.1:${port}`
      return parsed.toString()
    },
    cut: () => { open = false; dropAll() },
    restore: () => { open = true },
    latency: (ms) => { delayMs = ms },
    dropNextResponse: () => { dropNext = true },
    close: async () => {
      dropAll()
      server.close()
      await once(server, 'close')
    }
  }
}

export async function proxyFor (url: string): Promise<TcpProxy> {
  const parsed = new URL(url)
  return startTcpProxy(parsed.hostname, Number(parsed.port))
}
