// What a per-address limit counts by. One IPv6 subscriber is usually given a
// whole /64 (2^64 addresses), so counting IPv6 clients by their full address
// would hand each one an unlimited supply of fresh budgets: they are counted by
// their /64. IPv4 addresses, and IPv4 reached through IPv6 (::ffff:a.b.c.d),
// count as themselves.
import ipaddr from 'ipaddr.js'

export function clientNetwork (ip: string): string {
  if (!ipaddr.isValid(ip)) return ip
  const address = ipaddr.process(ip)
  if (address.kind() === 'ipv4') return address.toString()
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${address.toNormalizedString()}/64`).toString()}/64`
}
