// Header rules for the proxy, as pure functions. Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and
// are never forwarded.
import type { HeaderLines } from './exchange-types.js'
import type { AppHead } from './app-head.js'

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'http2-settings'])
/**
 * Response headers that are messages from the app to Ferry, never meant for the client: out-of-band work, and the
 * turbocache's own targeted Cache-Control (RFC 9213; CDN-Cache-Control is passed on, for caches further out).
 */
const FOR_FERRY = new Set(['x-ferry-oob-work', 'ferry-cache-control'])
/**
 * Set by Ferry from what it knows, never taken from the client; and the front server's messages to Ferry (which app
 * to use), which are Ferry's alone.
 */
const FORWARDED_SET = new Set(['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-prefix', 'x-ferry-app-root', 'x-ferry-app-env', 'x-ferry-app-type'])
/**
 * Headers Ferry decides or reads itself: framing and Host come from the parsed request (written by the proxy), and
 * Ferry's cache and routing read Cookie, Authorization and the forwarded headers. A client that lists one of them in
 * Connection must not make the app see another request than the one Ferry judged, so such tokens are ignored.
 */
const NOT_DROPPABLE = new Set(['host', 'content-length', 'transfer-encoding', 'cookie', 'authorization',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-prefix'])

export interface ForwardInfo {
  readonly clientAddress: string | undefined
  /** The scheme the client used: Ferry's own (`http`), or what a trusted proxy said. */
  readonly proto: string
  /** The app's base URI when it is not `/`. */
  readonly prefix?: string | undefined
  /** The request's Host as Ferry parsed (and checked) it; undefined for an HTTP/1.0 request without one. */
  readonly host: string | undefined
  /** The peer is a trusted proxy (--trust-proxy): its X-Forwarded-For/-Host are kept (and the peer appended). */
  readonly trusted?: boolean
}

/**
 * Builds the flat [name, value, …] list sent to the app from the client's raw headers. Host is Ferry's parsed one,
 * and Content-Length / Transfer-Encoding are never copied: the proxy frames the body it forwards itself.
 */
export function requestHeadersForApp (raw: readonly string[], info: ForwardInfo): string[] {
  const out: string[] = []
  const dropped = connectionTokens(raw)
  const trusted = info.trusted === true
  let hostSent = false
  let forwardedFor: string | undefined
  let forwardedHost: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const lower = name.toLowerCase()
    if (lower === 'host') {
      if (!hostSent && info.host !== undefined) out.push(name, info.host)
      hostSent = true
      continue
    }
    if (lower === 'x-forwarded-for') {
      if (trusted) forwardedFor = forwardedFor === undefined ? raw[i + 1]! : `${forwardedFor}, ${raw[i + 1]!}`
      continue
    }
    if (lower === 'x-forwarded-host') {
      if (trusted && forwardedHost === undefined) forwardedHost = raw[i + 1]!
      continue
    }
    if (HOP_BY_HOP.has(lower) || FORWARDED_SET.has(lower) || lower === 'content-length' || (dropped !== undefined && dropped.has(lower))) continue
    // A name with `_` is another header's twin to CGI-style apps (WSGI, Rack: X_Forwarded_For is X-Forwarded-For),
    // dropped as nginx drops it; and from an untrusted peer, every other way of saying who the client is or which
    // scheme it used (Forwarded, X-Forwarded-Ssl/-Port/-Scheme, X-Real-IP) is a forgery.
    // Even through a trusted proxy, the scheme is told once: X-Forwarded-Proto, which Ferry writes and the turbocache
    // keys on. A client's X-Forwarded-Ssl/-Scheme that the proxy passed on would make a Rack app take an http request
    // for https (links, redirects, secure cookies) in a response then shared with http clients.
    if (lower.includes('_') || (!trusted && isClientClaim(lower)) || SCHEME_CLAIMS.has(lower)) continue
    out.push(name, raw[i + 1]!)
  }
  // An HTTP/1.0 client may send no Host (or name it only in an absolute-form target), but the app gets HTTP/1.1,
  // where one is required (node answers 400).
  if (!hostSent || info.host === undefined) out.push('Host', info.host ?? 'localhost')
  if (info.clientAddress !== undefined) forwardedFor = forwardedFor === undefined ? info.clientAddress : `${forwardedFor}, ${info.clientAddress}`
  if (forwardedFor !== undefined) out.push('X-Forwarded-For', forwardedFor)
  out.push('X-Forwarded-Proto', info.proto)
  forwardedHost ??= info.host
  if (forwardedHost !== undefined) out.push('X-Forwarded-Host', forwardedHost)
  if (info.prefix !== undefined) out.push('X-Forwarded-Prefix', info.prefix)
  return out
}

/** Other ways of naming the scheme than X-Forwarded-Proto (Rack, Rails and others read them). */
const SCHEME_CLAIMS: ReadonlySet<string> = new Set(['x-forwarded-ssl', 'x-forwarded-scheme', 'front-end-https', 'x-url-scheme'])

/** Headers by which a client could claim an address, host or scheme, besides the X-Forwarded-For/-Proto/-Host Ferry sets. */
function isClientClaim (lower: string): boolean {
  return lower === 'forwarded' || lower === 'x-real-ip' || lower.startsWith('x-forwarded-')
}

/** A character of a header name (a token, RFC 9110 §5.1), and one of a header value as node allows it when writing. */
const TOKEN_CHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]"
const VALUE_CHARS = '\\t\\x20-\\x7e\\x80-\\xff'
/** A header name as HTTP allows it. */
export const HEADER_NAME = new RegExp(`^${TOKEN_CHAR}+$`)
/** A character no header value may hold (node's own check: controls other than tab, and anything above 0xff). */
export const INVALID_VALUE_CHAR = new RegExp(`[^${VALUE_CHARS}]`)
/** One header line as it may be written, with its CRLF: the same two rules, for a whole head in one match. */
export const HEADER_LINE = `${TOKEN_CHAR}+:[${VALUE_CHARS}]*\\r\\n`

/** Header names listed in the client's Connection header: also hop-by-hop for this request (never sent to the app). */
export function connectionTokens (raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 10 || raw[i]!.toLowerCase() !== 'connection') continue
    tokens = addConnectionTokens(tokens, raw[i + 1]!)
  }
  if (tokens !== undefined) for (const name of NOT_DROPPABLE) tokens.delete(name)
  return tokens
}

function addConnectionTokens (tokens: Set<string> | undefined, value: string): Set<string> | undefined {
  for (const name of splitConnection(value)) {
    if (name !== '' && name !== 'close' && name !== 'keep-alive') (tokens ??= new Set()).add(name)
  }
  return tokens
}

/** The tokens of a Connection value, lowercased: comma-separated, optional whitespace around each removed. */
export function splitConnection (value: string): string[] {
  return value.split(',').map(t => trimOws(t).toLowerCase())
}

/** A value without the optional whitespace around it: SP and HTAB only, as node's parser trims (not 0xA0). */
export function trimOws (value: string): string {
  let start = 0
  let end = value.length
  while (start < end && isBlank(value.charCodeAt(start))) start++
  while (end > start && isBlank(value.charCodeAt(end - 1))) end--
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

const isBlank = (c: number): boolean => c === 32 || c === 9

/** True for an app response header the client does not get (see responseHeadersForClient); `lower`: its name lowercased. */
function dropsFromResponse (lower: string, chunked: boolean, dropped: Set<string> | undefined): boolean {
  return HOP_BY_HOP.has(lower) || FOR_FERRY.has(lower) || (dropped !== undefined && dropped.has(lower)) || (chunked && lower === 'content-length')
}

/** The names the app's own Connection headers list; `names`: the header names lowercased, one per header. */
function responseConnectionTokens (raw: readonly string[], names: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined
  for (let i = 0; i < names.length; i++) if (names[i] === 'connection') tokens = addConnectionTokens(tokens, raw[2 * i + 1]!)
  return tokens
}

/**
 * The app's response headers for the client, from its flat [name, value, …] list and their lowercased `names`:
 * hop-by-hop headers and those the Connection header names are removed (the front server frames the response
 * itself). Content-Length stays, so a response of known length is not re-chunked; it is dropped when the body is
 * chunked.
 */
export function responseHeadersForClient (raw: readonly string[], names: readonly string[], chunked: boolean): string[] {
  const dropped = responseConnectionTokens(raw, names)
  const out: string[] = []
  for (let i = 0; i < names.length; i++) {
    if (!dropsFromResponse(names[i]!, chunked, dropped)) out.push(raw[2 * i]!, raw[2 * i + 1]!)
  }
  return out
}

/**
 * The same headers as responseHeadersForClient, as the lines of a response head: the app's own lines, checked by the
 * parser, copied a run of kept lines at a time (usually all but Connection and Keep-Alive, so one or two copies).
 */
export function responseHeadLinesForClient (head: AppHead): HeaderLines {
  const { headers, names, text, lineStarts, chunked } = head
  const dropped = responseConnectionTokens(headers, names)
  let out = ''
  let run = -1
  let hasLength = false
  let hasDate = false
  for (let i = 0; i < names.length; i++) {
    const lower = names[i]!
    if (dropsFromResponse(lower, chunked, dropped)) {
      if (run >= 0) { out += text.slice(run, lineStarts[i]); run = -1 }
      continue
    }
    if (run < 0) run = lineStarts[i]!
    if (lower === 'content-length') hasLength = true
    else if (lower === 'date') hasDate = true
  }
  if (run >= 0) out += text.slice(run)
  return { text: out, hasLength, hasDate }
}

/**
 * A Host value as RFC 9110 §7.2 allows it: a reg-name or an IP literal, and an optional port. Anything else (a
 * second Host, `/`, `@`, spaces, bytes above 0x7e) is refused with 400 before routing, caching or forwarding.
 */
export const VALID_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/

/** True when the request carries a body to stream to the app. */
export function hasRequestBody (headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length']
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}
