// Webhook URLs must not reach into our own network (SSRF): HTTPS only, and every
// address the host resolves to must be public: no loopback, link-local, private,
// shared (CGNAT), unspecified, multicast or reserved range, in IPv4 or IPv6
// (IPv4-mapped IPv6 addresses are checked as IPv4). The delivery connects to the
// address checked here, so a name that resolves elsewhere later (DNS rebinding)
// is never followed. WEBHOOK_ALLOW_PRIVATE_URLS lifts the rule (and allows
// http://) for development and tests.
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import { codedError } from '../error-handler.ts'

const blocked = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]
] as const) blocked.addSubnet(network, prefix, 'ipv4')
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) {
  blocked.addSubnet(network, prefix, 'ipv6')
}

export interface Resolved { url: URL, address: string, family: 4 | 6 }

export function isPublicAddress (address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  if (mapped !== undefined) return !blocked.check(mapped, 'ipv4')
  return !blocked.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')
}

const refused = (message: string) => codedError(400, 'WEBHOOK_URL_REFUSED', message)

/** Parses and checks a webhook URL and resolves its host; 400 WEBHOOK_URL_REFUSED when it may not be called. */
export async function resolveWebhookUrl (raw: string, allowPrivate: boolean): Promise<Resolved> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw refused('The webhook URL is not a valid URL')
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw refused('The webhook URL must use https')
  if (url.username !== '' || url.password !== '') throw refused('The webhook URL must not carry credentials')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: Array<{ address: string, family: number }>
  try {
    addresses = isIP(host) === 0 ? await lookup(host, { all: true, verbatim: true }) : [{ address: host, family: isIP(host) }]
  } catch {
    throw refused(`The webhook host ${host} does not resolve`)
  }
  const first = addresses[0]
  if (first === undefined) throw refused(`The webhook host ${host} does not resolve`)
  if (!allowPrivate) {
    // Which address it was stays unsaid: answering it would let anyone map our internal host names.
    if (addresses.some((a) => !isPublicAddress(a.address))) throw refused('The webhook host resolves to an address that is not allowed (only public addresses are)')
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 }
}
