// --trust-proxy: which peers may tell Ferry who the client is and which scheme it used (X-Forwarded-For/-Proto/-Host).
// Behind a TLS-terminating nginx the app must learn that a request was HTTPS; from anyone else those headers are
// forgeries, and Ferry sets them itself.
import { BlockList, isIP } from 'node:net'

/** Why a --trust-proxy item cannot be used (what was expected), or undefined when it can. */
export function trustProxyItemProblem (item: string): string | undefined {
  if (item === 'loopback' || item === 'unix') return undefined
  const slash = item.indexOf('/')
  const address = slash < 0 ? item : item.slice(0, slash)
  const family = isIP(address)
  if (family === 0) return 'an IP address, a CIDR range, loopback or unix'
  if (slash < 0) return undefined
  const bits = item.slice(slash + 1)
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128) ? undefined : 'a CIDR range such as 10.0.0.0/8'
}

/**
 * The test the request path asks of each peer (its address; undefined for a Unix-socket peer), or undefined when no
 * peer is trusted, so that the common case costs nothing. Items are assumed checked (trustProxyItemProblem).
 */
export function trustedPeers (items: readonly string[]): ((remoteAddress: string | undefined) => boolean) | undefined {
  if (items.length === 0) return undefined
  const list = new BlockList()
  let unix = false
  for (const item of items) {
    if (item === 'unix') { unix = true; continue }
    if (item === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4')
      list.addAddress('::1', 'ipv6')
      continue
    }
    const slash = item.indexOf('/')
    const address = slash < 0 ? item : item.slice(0, slash)
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6'
    if (slash < 0) list.addAddress(address, type)
    else list.addSubnet(address, Number(item.slice(slash + 1)), type)
  }
  return (remoteAddress) => {
    if (remoteAddress === undefined) return unix
    const family = isIP(remoteAddress)
    if (family === 4) return list.check(remoteAddress, 'ipv4')
    // A v4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
    if (remoteAddress.startsWith('::ffff:') && isIP(remoteAddress.slice(7)) === 4) return list.check(remoteAddress.slice(7), 'ipv4')
    return family === 6 && list.check(remoteAddress, 'ipv6')
  }
}
