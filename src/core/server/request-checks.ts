// What node's HTTP parser lets through but a proxy must not: the checks made on every request node's server parsed,
// before it is routed, looked up in the turbocache or forwarded. Framing and Host are decided here, once, from the
// parsed request; the proxy writes them itself and nothing a client lists in Connection can remove them.
import type { IncomingMessage } from 'node:http'
import { VALID_HOST } from './headers.js'
import { kSentHost } from './exchange-types.js'

export interface Refusal {
  readonly status: 400 | 501 | 505
  readonly reason: string
}

/** An absolute-form target (RFC 9112 §3.2.2): scheme, authority, the rest (path and query), then any fragment. */
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)([^#]*)(#[^]*)?$/i

export interface AbsoluteForm {
  /** As written: it may hold userinfo (`user@host`), which no Host does. */
  readonly authority: string
  /** The path and query in origin form: `/` when the target has none, `/?q` for a query alone. */
  readonly target: string
  /** Whether a fragment followed (no client sends one; a proxy refuses it). */
  readonly fragment: boolean
}

/** The parts of an absolute-form http(s) target; undefined for a target in any other form. */
export function absoluteForm (url: string): AbsoluteForm | undefined {
  const m = ABSOLUTE_FORM.exec(url)
  if (m === null) return undefined
  const rest = m[2]!
  return { authority: m[1]!, target: rest === '' ? '/' : rest.charCodeAt(0) === 63 /* ? */ ? '/' + rest : rest, fragment: m[3] !== undefined }
}

/**
 * Checks the request and brings it to the one form the rest of the path reads: an absolute-form target becomes
 * origin-form with its authority as Host. Returns why it is refused, or undefined when it may go on.
 */
export function checkRequest (req: IncomingMessage): Refusal | undefined {
  // node's parser reads HTTP/0.9 and 2.0 request lines too; the app would be sent them as HTTP/1.1.
  if (req.httpVersionMajor !== 1) return { status: 505, reason: `HTTP/${req.httpVersion} is not supported` }
  const raw = req.rawHeaders
  let hosts = 0
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++
  if (hosts > 1) return { status: 400, reason: 'more than one Host header' }
  const url = req.url ?? '/'
  if (url.charCodeAt(0) !== 47 /* / */ && url !== '*') {
    const abs = absoluteForm(url)
    if (abs === undefined || abs.fragment) return { status: 400, reason: 'the request target is neither a path nor an absolute http URL' }
    const authority = abs.authority
    if (authority === '' || authority.includes('@')) return { status: 400, reason: 'the request target has no usable authority' }
    // The target's authority replaces Host, whatever Host said (RFC 9112 §3.2.2).
    const sent = req.headers.host
    if (sent !== undefined && sent.toLowerCase() !== authority.toLowerCase()) (req as { [kSentHost]?: string })[kSentHost] = sent
    req.headers.host = authority
    req.url = abs.target
  }
  const host = req.headers.host
  if (host !== undefined && !VALID_HOST.test(host)) return { status: 400, reason: 'invalid Host header' }
  const te = req.headers['transfer-encoding']
  // node's parser has made sure chunked comes last; any other coding before it is one Ferry would pass on undecoded.
  if (te !== undefined && te.toLowerCase() !== 'chunked') return { status: 501, reason: `Transfer-Encoding ${te} is not supported` }
  return undefined
}
