import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ResponseParser, ParseError } from '../../../src/core/server/response-parser.js'

interface Parsed { status?: number, text?: string, headers?: string[], names?: string[], chunked?: boolean, body: string, reusable?: boolean }

/**
 * Feeds the response in pieces split at every given size, so each case runs across arbitrary packet boundaries. Every
 * piece arrives in one buffer that is overwritten after each call, as the core's reads from app connections do.
 */
function parse (wire: string, opts: { head?: boolean, split?: number, close?: boolean } = {}): Parsed {
  const out: Parsed = { body: '' }
  const p = new ResponseParser({
    onHead: h => Object.assign(out, { status: h.status, text: h.statusText, headers: h.headers, names: h.names, chunked: h.chunked }),
    onBody: c => { out.body += c.toString('latin1') },
    onComplete: reusable => { out.reusable = reusable }
  }, opts.head ?? false)
  const bytes = Buffer.from(wire, 'latin1')
  const step = opts.split ?? bytes.length
  const readBuffer = Buffer.alloc(step)
  for (let i = 0; i < bytes.length; i += step) {
    p.execute(readBuffer.subarray(0, bytes.copy(readBuffer, 0, i, i + step)))
    readBuffer.fill('#')
  }
  if (opts.close === true) p.finishOnClose()
  return out
}

const splits = [1, 2, 3, 7, 1000]

test('Content-Length bodies, whole and in every split', () => {
  for (const split of splits) {
    const r = parse('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello', { split })
    assert.deepEqual(r, {
      status: 200, text: 'OK', headers: ['Content-Type', 'text/plain', 'Content-Length', '5'], names: ['content-type', 'content-length'], chunked: false, body: 'hello', reusable: true
    })
  }
})

test('chunked bodies with extensions and trailers', () => {
  for (const split of splits) {
    const r = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n', { split })
    assert.equal(r.body, 'hello world')
    assert.equal(r.chunked, true)
    assert.equal(r.reusable, true)
  }
})

test('responses without a body: HEAD, 204, 304, Content-Length 0', () => {
  assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', { head: true }).reusable, true)
  assert.equal(parse('HTTP/1.1 204 No Content\r\n\r\n').reusable, true)
  assert.equal(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n').reusable, true)
  assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').reusable, true)
})

test('no framing: the body runs until the app closes, and the connection is not reused', () => {
  const r = parse('HTTP/1.1 200 OK\r\n\r\nall of it', { close: true })
  assert.equal(r.body, 'all of it')
  assert.equal(r.reusable, false)
})

test('Connection: close and HTTP/1.0 make the connection single-use', () => {
  assert.equal(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx').reusable, false)
  assert.equal(parse('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx').reusable, false)
  assert.equal(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx').reusable, true)
})

test('informational responses are skipped; an empty reason phrase is allowed', () => {
  const r = parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201\r\nContent-Length: 2\r\n\r\nok')
  assert.equal(r.status, 201)
  assert.equal(r.text, '')
  assert.equal(r.body, 'ok')
})

test('framing Ferry and node could read two ways is refused: both framings, a repeated length, other codings, blanks in a chunk size', () => {
  const bad = [
    'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 2\r\nok\r\n0\r\n\r\n',
    `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\nContent-Length: 0\r\n\r\n`
  ]
  for (const text of bad) assert.throws(() => parse(text), /./, JSON.stringify(text.slice(0, 90)))
})

test('Connection tokens are whole tokens: a keep-alive inside another token does not keep an HTTP/1.0 connection', () => {
  assert.equal(parse('HTTP/1.0 200 OK\r\nConnection: \xa0keep-alive\r\nContent-Length: 1\r\n\r\nx').reusable, false)
  assert.equal(parse('HTTP/1.0 200 OK\r\nConnection: x-keep-alive\r\nContent-Length: 1\r\n\r\nx').reusable, false)
  assert.equal(parse('HTTP/1.0 200 OK\r\nConnection: Upgrade,\tKeep-Alive \r\nContent-Length: 1\r\n\r\nx').reusable, true)
})

test('malformed responses are refused with a ParseError', () => {
  const bad = [
    'HTTP/2 200 OK\r\n\r\n',
    'garbage\r\n\r\n',
    'HTTP/1.1 200 OK\r\nNoColon\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX',
    'HTTP/1.1 101 Switching Protocols\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA'
  ]
  for (const wire of bad) assert.throws(() => parse(wire), ParseError, JSON.stringify(wire))
  assert.throws(() => parse(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`), /over 64 KiB/)
})

// What node refuses to write (ERR_INVALID_CHAR, ERR_INVALID_HTTP_TOKEN) is refused here, before anything is sent:
// the client never sees a response the app could have split, and the lean front writes the checked lines as they are.
test('heads node would refuse to write are refused, and the bad line is named', () => {
  const bad: Array<[string, RegExp]> = [
    ['HTTP/1.1 200 OK\r\nX-A: 1\nInjected: yes\r\n\r\n', /invalid header line: "X-A: 1\\nInjected: yes"/],
    ['HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n', /invalid header line/],
    ['HTTP/1.1 200 OK\r\nX-A: a\x00b\r\n\r\n', /invalid header line/],
    ['HTTP/1.1 200 OK\r\nX-A: a\x7fb\r\n\r\n', /invalid header line/],
    ['HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n', /invalid header line: "Bad Name: 1"/],
    ['HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n', /invalid header line: " folded"/],
    ['HTTP/1.1 200 OK\r\n: empty\r\n\r\n', /invalid header line/],
    ['HTTP/1.1 200 O\nK\r\n\r\n', /invalid status line/]
  ]
  for (const [wire, message] of bad) assert.throws(() => parse(wire), message, JSON.stringify(wire))
  // Tabs, obs-text and empty values are allowed, as node allows them; values are trimmed.
  const ok = parse('HTTP/1.1 200 OK\r\nX-Tab: a\tb\r\nX-Latin: \xe9\r\nX-Empty:\r\nX-Pad:  v  \r\nContent-Length: 0\r\n\r\n')
  assert.deepEqual(ok.headers, ['X-Tab', 'a\tb', 'X-Latin', '\xe9', 'X-Empty', '', 'X-Pad', 'v', 'Content-Length', '0'])
})

test('a response cut short by the app closing is an error', () => {
  assert.throws(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', { close: true }), /before the response was complete/)
  assert.throws(() => parse('HTTP/1.1 200 O', { close: true }), ParseError)
})
