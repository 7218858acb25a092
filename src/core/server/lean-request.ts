// The request heads the lean front answers itself: GET or HEAD, HTTP/1.0 or 1.1, no body, no upgrade, nothing
// unusual. Everything else (and anything this parser is unsure of) returns undefined, and the connection goes to
// node's HTTP server, which then decides, as it always did, what is malformed, too large or an upgrade. So this
// parser is strict rather than complete: it can only ever answer fewer requests, never read one differently.
import type { IncomingHttpHeaders } from 'node:http'
import type { RequestHead } from './exchange-types.js'
import { HEADER_LINE, VALID_HOST, trimOws } from './headers.js'

/** Heads longer than this go to node's server (which answers 431 past its own limit). */
export const MAX_LEAN_HEAD_BYTES = 16 * 1024
/** More header lines than this go to node's server too: it keeps only the first 2,000 (maxHeadersCount). */
const MAX_LEAN_HEADERS = 100

export interface LeanHead {
  readonly method: 'GET' | 'HEAD'
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly rawHeaders: string[]
  /** What the client asked for: HTTP/1.1 unless it said close; HTTP/1.0 only if it said keep-alive. */
  readonly keepAlive: boolean
  readonly http10: boolean
}

/**
 * The whole head, request line and header lines with their CRLFs, checked in one match (the header rules are
 * headers.ts's, as node applies them): a hit then pays for one scan of its head, not for a split and two regular
 * expressions per line.
 */
const LEAN_HEAD = new RegExp(`^(GET|HEAD) (/[\\x21-\\x7e]*) HTTP/1\\.([01])\\r\\n(?:${HEADER_LINE})*$`)

/** Headers that mean a body, a protocol switch or an interim response. */
const NOT_LEAN = new Set(['content-length', 'transfer-encoding', 'upgrade', 'expect', '__proto__'])

/** `head`: the bytes before CRLF CRLF, as latin1. */
export function parseLeanHead (head: string): LeanHead | undefined {
  const text = head + '\r\n'
  const m = LEAN_HEAD.exec(text)
  if (m === null) return undefined
  const http10 = m[3] === '0'
  let keepAlive = !http10
  const headers: IncomingHttpHeaders = {}
  const rawHeaders: string[] = []
  let count = 0
  // Every line is known well formed here: a name of token characters, a colon, a value of allowed characters, CRLF.
  for (let at = text.indexOf('\r\n') + 2; at < text.length;) {
    if (++count > MAX_LEAN_HEADERS) return undefined
    const eol = text.indexOf('\r\n', at)
    const colon = text.indexOf(':', at)
    const name = text.slice(at, colon)
    const value = trimOws(text.slice(colon + 1, eol))
    at = eol + 2
    const lower = name.toLowerCase()
    if (NOT_LEAN.has(lower)) return undefined
    if (lower === 'connection') {
      const tokens = value.toLowerCase()
      if (tokens.includes('upgrade')) return undefined
      if (/(?:^|,)\s*close\s*(?:,|$)/.test(tokens)) keepAlive = false
      else if (http10 && /(?:^|,)\s*keep-alive\s*(?:,|$)/.test(tokens)) keepAlive = true
    }
    const prev = headers[lower]
    if (prev !== undefined) {
      // node's own rules for repeats differ per header; only the one that matters here is reproduced.
      if (lower !== 'cookie') return undefined
      headers.cookie = `${prev as string}; ${value}`
    } else headers[lower] = value
    rawHeaders.push(name, value)
  }
  // node answers an HTTP/1.1 request without Host with 400, and the node path one with a Host Ferry refuses: let them.
  const host = headers.host
  if (host === undefined ? !http10 : !VALID_HOST.test(host)) return undefined
  // Frozen: the lean front gives one parsed head to every request that repeats it (lean-connection.ts).
  return Object.freeze({ method: m[1] as 'GET' | 'HEAD', url: m[2]!, headers: Object.freeze(headers), rawHeaders: Object.freeze(rawHeaders) as string[], keepAlive, http10 })
}

/** A request the lean front parsed: the RequestHead the pipeline reads, on its connection's socket. */
export class LeanRequest implements RequestHead {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly rawHeaders: string[]
  readonly socket: RequestHead['socket']
  readonly httpVersion: string

  constructor (head: LeanHead, socket: RequestHead['socket']) {
    this.method = head.method
    this.url = head.url
    this.headers = head.headers
    this.rawHeaders = head.rawHeaders
    this.socket = socket
    this.httpVersion = head.http10 ? '1.0' : '1.1'
  }
}
