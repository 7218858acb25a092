import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ResponseParser } from '../../../src/core/server/response-parser.js'
import type { AppHead } from '../../../src/core/server/app-head.js'
import { requestHeadersForApp, responseHeadersForClient, responseHeadLinesForClient, hasRequestBody } from '../../../src/core/server/headers.js'

test('hop-by-hop request headers are dropped, including those named in Connection', () => {
  const out = requestHeadersForApp(['Host', 'a.test', 'Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Keep-Alive', 'timeout=5',
    'Transfer-Encoding', 'chunked', 'Expect', '100-continue', 'Accept', '*/*'], { clientAddress: '127.0.0.1', proto: 'http', host: 'a.test' })
  assert.deepEqual(out, ['Host', 'a.test', 'Accept', '*/*', 'X-Forwarded-For', '127.0.0.1', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'a.test'])
})

test('Connection can never remove framing, Host, Cookie, Authorization or the forwarded headers', () => {
  const out = requestHeadersForApp(['Host', 'a.test', 'Connection', 'content-length, host, transfer-encoding, cookie, authorization, x-forwarded-for',
    'Content-Length', '5', 'Cookie', 'c=1', 'Authorization', 'Basic x'], { clientAddress: '127.0.0.1', proto: 'http', host: 'a.test' })
  // Content-Length is not copied: the proxy writes the framing of the body it forwards itself.
  assert.deepEqual(out, ['Host', 'a.test', 'Cookie', 'c=1', 'Authorization', 'Basic x', 'X-Forwarded-For', '127.0.0.1',
    'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'a.test'])
})

test('Host is the parsed one (an absolute-form target\'s authority), sent once', () => {
  const out = requestHeadersForApp(['Host', 'spoof.test', 'Accept', '*/*'], { clientAddress: undefined, proto: 'http', host: 'real.test' })
  assert.deepEqual(out, ['Host', 'real.test', 'Accept', '*/*', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'real.test'])
})

test('from an untrusted peer X-Forwarded-* are Ferry\'s own; without a Host the app still gets one', () => {
  const out = requestHeadersForApp(['x-forwarded-for', '10.0.0.1', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'evil'],
    { clientAddress: '192.0.2.1', proto: 'http', host: undefined })
  assert.deepEqual(out, ['Host', 'localhost', 'X-Forwarded-For', '192.0.2.1', 'X-Forwarded-Proto', 'http'])
})

test('from a trusted proxy X-Forwarded-For is extended by the peer and X-Forwarded-Host kept', () => {
  const out = requestHeadersForApp(['Host', 'h', 'X-Forwarded-For', '203.0.113.9', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'www.example.com'],
    { clientAddress: '127.0.0.1', proto: 'https', host: 'h', trusted: true })
  assert.deepEqual(out, ['Host', 'h', 'X-Forwarded-For', '203.0.113.9, 127.0.0.1', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'www.example.com'])
})

test('even from a trusted proxy, the scheme reaches the app only as X-Forwarded-Proto (the one the cache keys on)', () => {
  const out = requestHeadersForApp(['Host', 'h', 'X-Forwarded-Ssl', 'on', 'X-Forwarded-Scheme', 'https', 'Front-End-Https', 'on',
    'X-Url-Scheme', 'https', 'X-Forwarded-Port', '443', 'Accept', '*/*'], { clientAddress: '127.0.0.1', proto: 'http', host: 'h', trusted: true })
  assert.deepEqual(out, ['Host', 'h', 'X-Forwarded-Port', '443', 'Accept', '*/*', 'X-Forwarded-For', '127.0.0.1', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'h'])
})

test('a Unix-socket client has no address to add', () => {
  assert.deepEqual(requestHeadersForApp(['Host', 'h'], { clientAddress: undefined, proto: 'http', host: 'h' }),
    ['Host', 'h', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'h'])
})

test('response hop-by-hop headers are removed; Content-Length stays unless the body is chunked', () => {
  const raw = ['Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a', 'Set-Cookie', 'b',
    'Keep-Alive', 'timeout=5', 'Content-Length', '3']
  const names = lowercaseNames(raw)
  assert.deepEqual(responseHeadersForClient(raw, names, false), ['Set-Cookie', 'a', 'Set-Cookie', 'b', 'Content-Length', '3'])
  assert.deepEqual(responseHeadersForClient(raw, names, true), ['Set-Cookie', 'a', 'Set-Cookie', 'b'])
})

test('the lean front gets the same response headers as head lines, and whether they frame the body or date it', () => {
  const date = 'Date: Sat, 28 Nov 2026 00:00:00 GMT\r\n'
  assert.deepEqual(responseHeadLinesForClient(appHead(`connection: X-Hop\r\nX-Hop: 1\r\n${date}Set-Cookie: a\r\nContent-Length: 3\r\n`)),
    { text: 'Date: Sat, 28 Nov 2026 00:00:00 GMT\r\nSet-Cookie: a\r\nContent-Length: 3\r\n', hasLength: true, hasDate: true })
  // A dropped line between kept ones: the kept lines on both sides, in order.
  assert.deepEqual(responseHeadLinesForClient(appHead(`${date}Transfer-Encoding: chunked\r\nSet-Cookie: a\r\nX-B: 2\r\n`)),
    { text: 'Date: Sat, 28 Nov 2026 00:00:00 GMT\r\nSet-Cookie: a\r\nX-B: 2\r\n', hasLength: false, hasDate: true })
  assert.deepEqual(responseHeadLinesForClient(appHead('X-A: 1\r\n')), { text: 'X-A: 1\r\n', hasLength: false, hasDate: false })
})

/** The head the response parser reads from these header lines. */
function appHead (lines: string): AppHead {
  let head: AppHead | undefined
  new ResponseParser({ onHead: h => { head = h }, onBody: () => {}, onComplete: () => {} }, true)
    .execute(Buffer.from(`HTTP/1.1 200 OK\r\n${lines}\r\n`, 'latin1'))
  return head!
}

function lowercaseNames (raw: readonly string[]): string[] {
  return raw.filter((_, i) => i % 2 === 0).map(n => n.toLowerCase())
}

test('request body detection', () => {
  assert.equal(hasRequestBody({}), false)
  assert.equal(hasRequestBody({ 'content-length': '0' }), false)
  assert.equal(hasRequestBody({ 'content-length': '5' }), true)
  assert.equal(hasRequestBody({ 'transfer-encoding': 'chunked' }), true)
})
