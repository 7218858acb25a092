// Ferry's response parser may refuse any response, but a response it takes must mean exactly what it means to node's
// own HTTP client: the same status, headers and body, and a connection it reuses must be one node would reuse. A
// disagreement is a desync on the core→app connection (one app response read as two, or two as one). This feeds a
// few thousand deterministic mutations of ordinary responses to both parsers, in the same pieces, and compares.
//
// The reference is llhttp through node's HTTPParser (node:_http_common), driven as node's http client drives it
// (lib/_http_client.js, parserOnIncomingClient): 1xx heads are skipped, a HEAD response has no body, an upgrade is
// not a response. In-process rather than over a socket so that every case is the same bytes in the same pieces.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ResponseParser, ParseError } from '../../../src/core/server/response-parser.js'
import { HTTPParser, parseErrorCode } from '../../helpers/node-http-parser.js'

/** Ferry's own limit on a response head; node's (16 KiB by default) is set to match, so limits are not compared. */
const MAX_HEAD = 64 * 1024

/** What one parser made of a response: the first final response it completed, or why it did not complete one. */
interface Reading {
  complete: boolean
  status?: number
  statusText?: string
  headers?: string[]
  body: string
  reusable?: boolean
  error?: string
}

function readByNode (pieces: Buffer[], head: boolean): Reading {
  const p = new HTTPParser()
  p.initialize(HTTPParser.RESPONSE, {}, MAX_HEAD, 0)
  const out: Reading = { complete: false, body: '' }
  let pending: string[] = []
  let informational = false
  let upgrade = false
  p[HTTPParser.kOnHeaders] = (h: string[]) => { pending = pending.concat(h) }
  p[HTTPParser.kOnHeadersComplete] = (_maj: number, _min: number, headers: string[] | undefined, _m: unknown, _u: unknown,
    status: number, statusText: string, isUpgrade: boolean, keepAlive: boolean): number => {
    const all = headers ?? pending
    pending = []
    if (isUpgrade) { upgrade = true; return 2 }
    if (status >= 100 && status < 200) { informational = true; return 1 }
    Object.assign(out, { status, statusText, headers: all, reusable: keepAlive })
    return head || status === 304 ? 1 : 0
  }
  p[HTTPParser.kOnBody] = (b: Buffer) => { if (!out.complete) out.body += b.toString('latin1') }
  p[HTTPParser.kOnMessageComplete] = () => {
    if (informational) { informational = false; return }
    if (!out.complete && out.status !== undefined) out.complete = true
  }
  for (const piece of pieces) {
    if (out.complete || upgrade) break
    const r = p.execute(piece)
    if (r instanceof Error) { out.error ??= parseErrorCode(r); break }
  }
  if (!out.complete && !upgrade && out.error === undefined) {
    const r = p.finish()
    if (r instanceof Error) out.error = parseErrorCode(r)
  }
  if (upgrade) out.error = 'upgrade'
  p.close()
  return out
}

function readByFerry (pieces: Buffer[], head: boolean): Reading {
  const out: Reading = { complete: false, body: '' }
  const p = new ResponseParser({
    onHead: h => Object.assign(out, { status: h.status, statusText: h.statusText, headers: h.headers }),
    onBody: c => { out.body += c.toString('latin1') },
    onComplete: reusable => Object.assign(out, { complete: true, reusable })
  }, head)
  // Each piece in a buffer that is overwritten after the call, as the core's reads from app connections are.
  try {
    for (const piece of pieces) {
      const readBuffer = Buffer.from(piece)
      p.execute(readBuffer)
      readBuffer.fill('#')
      if (out.complete) break
    }
    if (!out.complete) p.finishOnClose()
  } catch (err) {
    if (!(err instanceof ParseError)) throw err
    out.error = err.message
  }
  return out
}

/** A small deterministic PRNG, so a failure names a case that repeats. */
function prng (seed: number): () => number {
  return () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff }
}

interface Case { wire: string, head: boolean }

/** Ordinary responses: head lines, then what follows the head. */
const BASES: Array<{ lines: string[], body: string, head?: boolean }> = [
  { lines: ['HTTP/1.1 200 OK', 'Content-Type: text/plain', 'Content-Length: 5'], body: 'hello' },
  { lines: ['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', 'Cache-Control: max-age=60'], body: '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n' },
  { lines: ['HTTP/1.0 200 OK', 'Connection: keep-alive', 'Content-Length: 2'], body: 'ok' },
  { lines: ['HTTP/1.1 404 Not Found', 'Set-Cookie: a=1', 'Set-Cookie: b=2', 'Content-Length: 3'], body: 'nop' },
  { lines: ['HTTP/1.1 200 OK', 'Connection: close', 'Content-Type: text/html'], body: 'until the app closes' },
  { lines: ['HTTP/1.1 204 No Content', 'X-A: 1'], body: '' },
  { lines: ['HTTP/1.1 304 Not Modified', 'ETag: "x"', 'Content-Length: 10'], body: '' },
  { lines: ['HTTP/1.1 200 OK', 'Content-Length: 10', 'Content-Type: text/plain'], body: '', head: true },
  { lines: ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created', 'Location: /x', 'Content-Length: 2'], body: 'ok' },
  { lines: ['HTTP/1.1 200 OK', ...Array.from({ length: 40 }, (_, i) => `X-H${i}: v${i}`), 'Content-Length: 1'], body: 'x' }
]
/** Single bytes put into a line at random: blanks, controls, separators, obs-text (0xA0 is a no-break space). */
const INSERTS = [' ', '\t', '\xa0', '\x7f', '\x80', '\xff', '\r', '\n', '\0', ':', ',', ';', '"', '\x0b', '\x0c', '\xe9', '-', '0']
/** Whole lines put into a head: framing, connection management, folding and size. */
const ADDED_LINES = [
  'Content-Length: 0', 'Content-Length: 2', 'Content-Length: 5', 'Content-Length: 100', 'Content-Length: +5',
  'Content-Length: 5, 5', 'Content-Length: 05', 'Content-Length: 0x5', 'Content-Length: -1', 'Content-Length:5',
  'Content-Length: 99999999999999999999', 'Content-Length : 5', 'Content-Length:\xa05',
  'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip', 'Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: chunked, gzip',
  'Transfer-Encoding: identity', 'Transfer-Encoding: CHUNKED', 'Transfer-Encoding:  chunked  ', 'Transfer-Encoding: xchunked',
  'Transfer-Encoding: chunked\xa0', 'Transfer-Encoding : chunked', 'Transfer-Encoding: chunked;q=1',
  'Connection: close', 'Connection: keep-alive', 'Connection: Keep-Alive, close', 'Connection: upgrade', 'Upgrade: websocket',
  'Connection: x-close', 'Connection: closed', 'Keep-Alive: timeout=5',
  ' folded', '\tfolded', 'X-Big: ' + 'b'.repeat(9000), 'X-Huge: ' + 'h'.repeat(70_000), 'X-Empty:', 'X-Latin: \xe9\xa0',
  ': no name', 'No-Colon', 'X Space: 1'
]
/** Bodies (what follows the head) put in place of a base's own. */
const BODIES = [
  '5\r\nhello\r\n0\r\n\r\n', '5 \r\nhello\r\n0\r\n\r\n', ' 5\r\nhello\r\n0\r\n\r\n', '5\t;a=b\r\nhello\r\n0\r\n\r\n',
  '5;a="x;y"\r\nhello\r\n0\r\n\r\n', '5;a\nb\r\nhello\r\n0\r\n\r\n', '05\r\nhello\r\n0\r\n\r\n', '0x5\r\nhello\r\n0\r\n\r\n',
  '-5\r\nhello\r\n0\r\n\r\n', 'fffffffffffffffff\r\nhello\r\n0\r\n\r\n', '5\r\nhelloXX0\r\n\r\n', '5\r\nhello\n0\r\n\r\n',
  '5\nhello\r\n0\r\n\r\n', '5\r\nhello\r\n0\r\n', '5\r\nhello\r\n0\r\nX-T: a\nb\r\n\r\n', '5\r\nhello\r\n0;end\r\n\r\n',
  '5\r\nhello\r\n0\r\n\r\nEXTRA', 'hello', 'hel', 'hello world', '', '2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'
]

function cases (count: number): Case[] {
  const rand = prng(2026)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  const out: Case[] = []
  for (let i = 0; i < count; i++) {
    const base = pick(BASES)
    const lines = [...base.lines]
    let body = base.body
    let eol = '\r\n'
    const n = 1 + Math.floor(rand() * 3)
    for (let k = 0; k < n; k++) {
      const li = Math.floor(rand() * lines.length)
      const line = lines[li]!
      const kind = rand()
      if (kind < 0.3) {
        const at = Math.floor(rand() * (line.length + 1))
        lines[li] = line.slice(0, at) + pick(INSERTS) + line.slice(at)
      } else if (kind < 0.55) lines.splice(1 + Math.floor(rand() * lines.length), 0, pick(ADDED_LINES))
      else if (kind < 0.65) lines.splice(li + 1, 0, line) // a repeated line
      else if (kind < 0.72) lines[li] = rand() < 0.5 ? line.toUpperCase() : line.toLowerCase()
      else if (kind < 0.8) lines[li] = line.replace(':', pick([' :', ':  ', ':\xa0', '\t:']))
      else if (kind < 0.9) body = pick(BODIES)
      else eol = pick(['\n', '\r\n\r\n', '\r', ' \r\n']) // one line ends oddly
    }
    // The odd line ending replaces one CRLF, so the rest of the head stays well formed.
    const cut = 1 + Math.floor(rand() * (lines.length - 1))
    const wire = lines.slice(0, cut).join('\r\n') + (cut < lines.length ? eol + lines.slice(cut).join('\r\n') : '') + '\r\n\r\n' + body
    out.push({ wire, head: base.head === true })
  }
  return out
}

/** The wire in pieces: whole, one byte at a time for short ones, or cut at a few places chosen by the seed. */
function pieces (wire: string, rand: () => number): Buffer[] {
  const bytes = Buffer.from(wire, 'latin1')
  const mode = rand()
  if (mode < 0.4) return [bytes]
  if (mode < 0.5 && bytes.length < 400) return [...bytes].map(b => Buffer.from([b]))
  const cuts = new Set<number>()
  for (let k = 0; k < 3; k++) cuts.add(1 + Math.floor(rand() * Math.max(1, bytes.length - 1)))
  const at = [0, ...[...cuts].sort((a, b) => a - b), bytes.length]
  return at.slice(1).map((end, i) => bytes.subarray(at[i], end)).filter(b => b.length > 0)
}

/** The case as the failure names it: the wire (shortened), and where it was cut when it came in pieces. */
function show (c: Case, split: readonly Buffer[]): string {
  // Bytes above 0x7f escaped: a no-break space (0xA0) must not read as a space.
  const s = JSON.stringify(c.wire).replace(/[\x80-\xff]/g, ch => `\\x${ch.charCodeAt(0).toString(16)}`)
  const cuts = split.length > 1 && split.length < 10 ? ` in pieces of ${split.map(b => b.length).join('+')} bytes` : split.length > 1 ? ' byte by byte' : ''
  return (c.head ? 'HEAD ' : '') + (s.length > 300 ? `${s.slice(0, 300)}… (${c.wire.length} bytes)` : s) + cuts
}

test('every response the Ferry parser completes, node reads the same way; none it reuses is one node would not', () => {
  const rand = prng(7)
  // Disagreements by kind, each with its shortest examples, so that a failure reads as a list of distinct faults.
  const kinds = new Map<string, Set<string>>()
  const note = (kind: string, c: Case, split: readonly Buffer[], detail = ''): void => {
    const list = kinds.get(kind) ?? new Set<string>()
    kinds.set(kind, list)
    list.add(show(c, split) + detail)
  }
  let taken = 0
  let refused = 0
  for (const c of cases(3000)) {
    const split = pieces(c.wire, rand)
    const ferry = readByFerry(split, c.head)
    const node = readByNode(split, c.head)
    if (!ferry.complete) { refused++; continue }
    taken++
    if (!node.complete) { note(`node refuses (${node.error ?? 'incomplete'}) what Ferry takes`, c, split); continue }
    if (ferry.status !== node.status || ferry.statusText !== node.statusText) note('status line read differently', c, split, ` Ferry: ${ferry.status} ${JSON.stringify(ferry.statusText)}, node: ${node.status} ${JSON.stringify(node.statusText)}`)
    if (JSON.stringify(ferry.headers) !== JSON.stringify(node.headers)) note('headers read differently', c, split, ` Ferry: ${JSON.stringify(ferry.headers)}, node: ${JSON.stringify(node.headers)}`)
    if (ferry.body !== node.body) note('body read differently', c, split, ` Ferry: ${JSON.stringify(ferry.body)}, node: ${JSON.stringify(node.body)}`)
    // Ferry may close a connection node would keep (stricter); never the other way round. Except after HEAD: llhttp
    // decides keep-alive before it is told the response has no body, so it closes after any HEAD response without a
    // length, where a response to HEAD ends with its head whatever it says (RFC 9112 §6.3).
    if (ferry.reusable === true && node.reusable !== true && !c.head) note('Ferry reuses a connection node would close', c, split)
  }
  const report = [...kinds].map(([kind, list]) => `${kind}: ${list.size}, e.g.\n    ` +
    [...list].sort((a, b) => a.length - b.length).slice(0, 3).join('\n    ')).join('\n  ')
  assert.equal(kinds.size, 0, `of ${taken} responses Ferry took, node reads some differently:\n  ${report}`)
  // The mutations are meant to be refused often; enough must be taken, and refused, for both sides to be exercised.
  assert.ok(taken >= 600 && refused >= 600, `${taken} taken, ${refused} refused of 3000`)
})

test('the reference itself: node refuses the classic framing attacks and reads ordinary responses', () => {
  // If the reference changed (an older llhttp, or a lenient flag), the comparison above would prove nothing.
  const one = (wire: string): Reading => readByNode([Buffer.from(wire, 'latin1')], false)
  assert.equal(one('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok').body, 'ok')
  assert.equal(one('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n').body, 'ok')
  assert.equal(one('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall').reusable, false)
  assert.equal(one('HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\nContent-Length: 0\r\n\r\n').complete, false)
  assert.equal(one('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok').complete, false)
  assert.equal(one('HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n').complete, false)
})
