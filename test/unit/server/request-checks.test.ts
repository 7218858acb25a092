import { test } from 'node:test'
import assert from 'node:assert/strict'
import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { checkRequest } from '../../../src/core/server/request-checks.js'

/** An IncomingMessage as node's parser leaves it: headers joined by node's rules, rawHeaders as received. */
function request (url: string, raw: string[]): IncomingMessage {
  const req = new IncomingMessage(new Socket())
  req.url = url
  req.httpVersionMajor = 1
  req.httpVersionMinor = 1
  req.httpVersion = '1.1'
  req.rawHeaders = raw
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    if (req.headers[name] === undefined) req.headers[name] = raw[i + 1]!
  }
  return req
}

test('an absolute-form target becomes origin-form, its authority the Host', () => {
  const req = request('http://b.test:8080/x?y=1', ['Host', 'a.test'])
  assert.equal(checkRequest(req), undefined)
  assert.equal(req.url, '/x?y=1')
  assert.equal(req.headers.host, 'b.test:8080')
  const bare = request('HTTP://c.test', ['Host', 'c.test'])
  assert.equal(checkRequest(bare), undefined)
  assert.equal(bare.url, '/')
  const query = request('http://c.test?q', ['Host', 'c.test'])
  assert.equal(checkRequest(query), undefined)
  assert.equal(query.url, '/?q')
})

test('two Host headers, an invalid Host, userinfo or another scheme are refused with 400', () => {
  assert.equal(checkRequest(request('/', ['Host', 'a', 'Host', 'b']))?.status, 400)
  assert.equal(checkRequest(request('/', ['Host', 'a', 'host', 'a']))?.status, 400)
  assert.equal(checkRequest(request('/', ['Host', 'a b']))?.status, 400)
  assert.equal(checkRequest(request('/', ['Host', 'a/b']))?.status, 400)
  assert.equal(checkRequest(request('http://u@a/', ['Host', 'a']))?.status, 400)
  assert.equal(checkRequest(request('ftp://a/', ['Host', 'a']))?.status, 400)
  assert.equal(checkRequest(request('http:///x', ['Host', 'a']))?.status, 400)
})

test('valid Hosts pass: names, ports, IPv4 and IPv6 literals, and the empty Host RFC 9112 allows', () => {
  for (const host of ['example.com', 'example.com:8080', '127.0.0.1:3000', '[::1]:3000', 'xn--bcher-kva.example', '']) {
    assert.equal(checkRequest(request('/', ['Host', host])), undefined, host)
  }
  assert.equal(checkRequest(request('*', ['Host', 'a'])), undefined)
})

test('a transfer coding other than chunked is refused with 501 rather than passed on undecoded', () => {
  assert.equal(checkRequest(request('/', ['Host', 'a', 'Transfer-Encoding', 'gzip, chunked']))?.status, 501)
  assert.equal(checkRequest(request('/', ['Host', 'a', 'Transfer-Encoding', 'Chunked'])), undefined)
})

test('a request line of another HTTP version than 1.x gets 505', () => {
  const req = request('/', ['Host', 'a'])
  req.httpVersionMajor = 2
  req.httpVersion = '2.0'
  assert.equal(checkRequest(req)?.status, 505)
})
