// A local HTTPS webhook receiver for tests: a self-signed certificate for
// 127.0.0.1 made with openssl for the test, trusted by this test process (the
// app under test runs in it) until the test ends. The test decides how it
// answers; the receiver counts the deliveries it got and the connections still open.
import type { Test } from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import https from 'node:https'
import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { promisify } from 'node:util'

/** Writes the answer to the n-th delivery (1 for the first). */
export type Answer = (response: http.ServerResponse, n: number) => void

export interface HttpsReceiver {
  url: string
  /** deliveries whose request body arrived, with that body */
  received: string[]
  /** connections the receiver still holds */
  open: () => number
  /** drops every connection (a delivery under way fails at once) and stops listening */
  close: () => Promise<void>
}

async function selfSigned (): Promise<{ key: string, cert: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'haven-receiver-'))
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')
    ])
    return { key: await readFile(path.join(dir, 'key.pem'), 'utf8'), cert: await readFile(path.join(dir, 'cert.pem'), 'utf8') }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Starts a receiver whose every answer `answer` writes (after the request body has arrived). */
export async function httpsReceiver (t: Test, answer: Answer): Promise<HttpsReceiver> {
  const { key, cert } = await selfSigned()
  const trusted = tls.getCACertificates('default')
  tls.setDefaultCACertificates([...trusted, cert])
  const received: string[] = []
  const sockets = new Set<import('node:net').Socket>()
  const server = https.createServer({ key, cert }, (request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => { body += chunk.toString() })
    request.on('end', () => {
      received.push(body)
      answer(response, received.length)
    })
  })
  server.on('secureConnection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.teardown(async () => {
    if (server.listening) await close()
    tls.setDefaultCACertificates(trusted)
  })
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, open: () => sockets.size, close }
}
