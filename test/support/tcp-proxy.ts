// A TCP proxy in front of a real server, so a test can make that server
// "unreachable" (cut) and reachable again (restore) without stopping it for
// every other test file.
import net from 'node:net'
import { once } from 'node:events'

export interface TcpProxy {
  port: number
  /** rewrites a URL's port to go through the proxy */
  url: (target: string) => string
  /** drops open connections and refuses new ones */
  cut: () => void
  restore: () => void
  close: () => Promise<void>
}

export async function startTcpProxy (targetHost: string, targetPort: number): Promise<TcpProxy> {
  let open = true
  const sockets = new Set<net.Socket>()
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
    client.pipe(upstream).pipe(client)
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
