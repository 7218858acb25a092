import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseLeanHead } from '../../../src/core/server/lean-request.js'

const head = (...lines: string[]): string => lines.join('\r\n')

test('a plain GET: method, target, raw and lowercase headers, keep-alive by default on HTTP/1.1', () => {
  const h = parseLeanHead(head('GET /a/b?c=1&d=%20 HTTP/1.1', 'Host: example.test:8080', 'Accept:  */*  ', 'X-Thing: a, b'))
  assert.ok(h !== undefined)
  assert.equal(h.method, 'GET')
  assert.equal(h.url, '/a/b?c=1&d=%20')
  assert.deepEqual(h.rawHeaders, ['Host', 'example.test:8080', 'Accept', '*/*', 'X-Thing', 'a, b'])
  assert.deepEqual({ ...h.headers }, { host: 'example.test:8080', accept: '*/*', 'x-thing': 'a, b' })
  assert.equal(h.keepAlive, true)
  assert.equal(h.http10, false)
})

test('HEAD, and the keep-alive rules of HTTP/1.0 and 1.1', () => {
  assert.equal(parseLeanHead(head('HEAD / HTTP/1.1', 'Host: x'))?.method, 'HEAD')
  assert.equal(parseLeanHead(head('GET / HTTP/1.1', 'Host: x', 'Connection: close'))?.keepAlive, false)
  assert.equal(parseLeanHead(head('GET / HTTP/1.1', 'Host: x', 'Connection: keep-alive, Close'))?.keepAlive, false)
  assert.equal(parseLeanHead(head('GET / HTTP/1.1', 'Host: x', 'Connection: closed'))?.keepAlive, true)
  assert.equal(parseLeanHead('GET / HTTP/1.0')?.keepAlive, false)
  assert.equal(parseLeanHead(head('GET / HTTP/1.0', 'Connection: keep-alive'))?.keepAlive, true)
  assert.equal(parseLeanHead(head('GET / HTTP/1.0', 'Connection: keep-alive'))?.http10, true)
})

test('repeated Cookie headers are joined as node joins them', () => {
  const h = parseLeanHead(head('GET / HTTP/1.1', 'Host: x', 'Cookie: a=1', 'Cookie: b=2'))
  assert.equal(h?.headers.cookie, 'a=1; b=2')
  assert.deepEqual(h?.rawHeaders, ['Host', 'x', 'Cookie', 'a=1', 'Cookie', 'b=2'])
})

test('everything else is left to node\'s server', () => {
  const refused: Array<[string, string]> = [
    ['POST', head('POST / HTTP/1.1', 'Host: x')],
    ['lowercase method', head('get / HTTP/1.1', 'Host: x')],
    ['absolute-form target', head('GET http://x/ HTTP/1.1', 'Host: x')],
    ['asterisk target', head('OPTIONS * HTTP/1.1', 'Host: x')],
    ['space in target', head('GET /a b HTTP/1.1', 'Host: x')],
    ['HTTP/2', head('GET / HTTP/2.0', 'Host: x')],
    ['HTTP/0.9', 'GET /'],
    ['no Host on HTTP/1.1', 'GET / HTTP/1.1'],
    ['a body by length', head('GET / HTTP/1.1', 'Host: x', 'Content-Length: 0')],
    ['a chunked body', head('GET / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked')],
    ['upgrade', head('GET / HTTP/1.1', 'Host: x', 'Upgrade: websocket', 'Connection: Upgrade')],
    ['connection: upgrade alone', head('GET / HTTP/1.1', 'Host: x', 'Connection: upgrade')],
    ['expect', head('GET / HTTP/1.1', 'Host: x', 'Expect: 100-continue')],
    ['a front server naming the app twice', head('GET / HTTP/1.1', 'Host: x', 'X-Ferry-App-Root: /srv/a', 'X-Ferry-App-Root: /srv/b')],
    ['a repeated Host', head('GET / HTTP/1.1', 'Host: x', 'Host: y')],
    ['a repeated Authorization', head('GET / HTTP/1.1', 'Host: x', 'Authorization: a', 'authorization: b')],
    ['obs-fold', head('GET / HTTP/1.1', 'Host: x', 'X-A: one', ' two')],
    ['no colon', head('GET / HTTP/1.1', 'Host: x', 'Nonsense')],
    ['space before the colon', head('GET / HTTP/1.1', 'Host : x')],
    ['a bare LF in a value', head('GET / HTTP/1.1', 'Host: x', 'X-A: a\nX-B: b')],
    ['a bare CR in a value', head('GET / HTTP/1.1', 'Host: x', 'X-A: a\rb')],
    ['NUL in a value', head('GET / HTTP/1.1', 'Host: x', 'X-A: a\0b')],
    ['a non-token name', head('GET / HTTP/1.1', 'Host: x', 'X(A): 1')],
    ['__proto__', head('GET / HTTP/1.1', 'Host: x', '__proto__: 1')],
    ['over 100 header lines', head('GET / HTTP/1.1', 'Host: x', ...Array.from({ length: 100 }, (_, i) => `X-${i}: ${i}`))]
  ]
  for (const [what, h] of refused) assert.equal(parseLeanHead(h), undefined, what)
})

test('up to 100 header lines are taken', () => {
  assert.equal(parseLeanHead(head('GET / HTTP/1.1', 'Host: x', ...Array.from({ length: 99 }, (_, i) => `X-${i}: ${i}`)))?.rawHeaders.length, 200)
})

test('obs-text in values is kept, as node keeps it', () => {
  assert.equal(parseLeanHead(head('GET / HTTP/1.1', 'Host: x', 'X-Name: caf\xe9'))?.headers['x-name'], 'caf\xe9')
})

test('only SP and HTAB are trimmed from a value, as node trims: 0xA0 stays', () => {
  assert.equal(parseLeanHead(head('GET / HTTP/1.1', 'Host: x', 'X-Name: \t a\xa0 \t'))?.headers['x-name'], 'a\xa0')
})

test('a Host Ferry refuses (invalid characters) goes to node\'s path, which answers 400', () => {
  for (const host of ['a b', 'a/b', 'a@b', 'a\xa0']) assert.equal(parseLeanHead(head('GET / HTTP/1.1', `Host: ${host}`)), undefined, host)
})
