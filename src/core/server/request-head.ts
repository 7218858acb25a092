// The request head Ferry sends an app, for proxied requests and upgrades alike: the client's headers by the rules of
// headers.ts (Host as parsed, hop-by-hop and forged forwarded headers removed), then the lines the caller frames the
// request with.
import type { RequestHead } from './exchange-types.js'
import { requestHeadersForApp } from './headers.js'

export type TrustsPeer = (remoteAddress: string | undefined) => boolean

/** The scheme the client used: what a trusted proxy says in X-Forwarded-Proto (its first value), else Ferry's own. */
export function forwardedProto (req: RequestHead, trusted: boolean): 'http' | 'https' {
  if (!trusted) return 'http'
  const sent = req.headers['x-forwarded-proto']
  const first = (Array.isArray(sent) ? sent[0] : sent)?.split(',')[0]?.trim().toLowerCase()
  return first === 'https' ? 'https' : 'http'
}

/**
 * One string, so it goes out in one write. `prefix`: the app's base URI (absent at `/`); `trustsPeer`: --trust-proxy;
 * `tail`: the caller's own lines, each with its CRLF (the body's framing, or an upgrade's Upgrade and Connection).
 */
export function requestHeadForApp (req: RequestHead, prefix: string | undefined, trustsPeer: TrustsPeer | undefined, tail: string): string {
  const trusted = trustsPeer !== undefined && trustsPeer(req.socket.remoteAddress)
  const headers = requestHeadersForApp(req.rawHeaders, {
    clientAddress: req.socket.remoteAddress,
    proto: forwardedProto(req, trusted),
    prefix,
    host: req.headers.host,
    trusted
  })
  let head = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]!}: ${headers[i + 1]!}\r\n`
  return head + tail + '\r\n'
}
