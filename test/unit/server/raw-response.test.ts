// RawResponse on a real loopback socket pair: what reaches the client is what a correct HTTP/1.1 server sends.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { PreparedHit, RawResponse, InvalidHeaderError, renderHeaderLines } from '../../../src/core/server/raw-response.js'

interface Pair { server: Socket, received: () => Promise<string>, done: RawResponse[] }

/** A connected pair; `received` resolves everything the client read once the server side ends. */
async function pair (t: TestContext): Promise<Pair> {
  const listener = createServer()
  listener.listen(0, '127.0.0.1')
  await once(listener, 'listening')
  const { port } = listener.address() as { port: number }
  const client = connect(port, '127.0.0.1')
  const [server] = await once(listener, 'connection') as [Socket]
  t.after(() => { client.destroy(); server.destroy(); listener.close() })
  let text = ''
  client.setEncoding('latin1')
  client.on('data', (d: string) => { text += d })
  const ended = once(client, 'end')
  return { server, received: async () => { server.end(); await ended; return text }, done: [] }
}

const owner = (p: Pair) => ({ closing: () => false, responseDone: (r: RawResponse) => { p.done.push(r) } })
const withoutDate = (s: string): string => s.replace(/Date: [^\r]+\r\n/, '')

test('a body of known length leaves with its head, keep-alive, and a Date added', async t => {
  const p = await pair(t)
  const res = new RawResponse(p.server, owner(p), 'GET', true, false)
  let closed = 0
  res.once('close', () => { closed++ })
  res.writeHead(200, ['Content-Type', 'text/plain', 'Content-Length', '5'])
  res.end(Buffer.from('hello'))
  const out = await p.received()
  assert.match(out, /\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/)
  assert.equal(withoutDate(out), 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nhello')
  assert.equal(closed, 1)
  assert.deepEqual(p.done, [res])
  assert.equal(res.destroyed, true)
})

test('a body of unknown length is chunked on HTTP/1.1', async t => {
  const p = await pair(t)
  const res = new RawResponse(p.server, owner(p), 'GET', true, false)
  res.writeHead(201, 'Made', { 'X-A': 'b' })
  res.write(Buffer.from('abc'))
  res.write(Buffer.alloc(0))
  res.end(Buffer.from('0123456789'))
  assert.equal(withoutDate(await p.received()), 'HTTP/1.1 201 Made\r\nX-A: b\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n')
})

test('on HTTP/1.0 a body of unknown length ends the connection instead', async t => {
  const p = await pair(t)
  const res = new RawResponse(p.server, owner(p), 'GET', true, true)
  res.writeHead(200, [])
  res.end('x')
  assert.equal(withoutDate(await p.received()), 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nx')
  assert.equal(res.shouldKeepAlive, false)
})

test('HEAD, 204 and 304 carry no body and no framing; an app\'s own Date is kept', async t => {
  const p = await pair(t)
  const head = new RawResponse(p.server, owner(p), 'HEAD', true, false)
  head.writeHead(200, ['Date', 'Tue, 01 Jan 2030 00:00:00 GMT', 'Content-Length', '5'])
  head.end(Buffer.from('hello'))
  const none = new RawResponse(p.server, owner(p), 'GET', false, false)
  none.writeHead(204, [])
  none.end()
  const out = await p.received()
  const second = out.indexOf('HTTP/1.1 204')
  assert.equal(out.slice(0, second), 'HTTP/1.1 200 OK\r\nDate: Tue, 01 Jan 2030 00:00:00 GMT\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n')
  assert.equal(withoutDate(out.slice(second)), 'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n')
})

test('header names and values an app could split a response with are refused before anything is sent', async t => {
  const p = await pair(t)
  const res = new RawResponse(p.server, owner(p), 'GET', true, false)
  assert.throws(() => res.writeHead(200, ['X-A', 'a\r\nSet-Cookie: stolen=1']), InvalidHeaderError)
  assert.throws(() => res.writeHead(200, ['X-A', 'a\nb']), InvalidHeaderError)
  assert.throws(() => res.writeHead(200, ['X A', 'b']), InvalidHeaderError)
  assert.equal(res.headersSent, false)
  res.writeHead(502, { 'Content-Length': 0 })
  res.end()
  assert.equal(withoutDate(await p.received()), 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n')
})

test('a large body after the head streams as given, and abandon tells close listeners once', async t => {
  const p = await pair(t)
  const res = new RawResponse(p.server, owner(p), 'GET', true, false)
  const big = Buffer.alloc(100_000, 'y')
  res.writeHead(200, ['Content-Length', String(big.length * 2)])
  res.write(big)
  res.write(big)
  let closed = 0
  const listener = (): void => { closed++ }
  res.once('close', listener)
  res.abandon()
  res.abandon()
  assert.equal(closed, 1)
  assert.equal(res.write(big), false, 'nothing is written after the response is over')
  const out = await p.received()
  assert.equal(out.length - out.indexOf('\r\n\r\n') - 4, big.length * 2)
})

test('a prepared whole response: lines rendered once, Content-Length from the body, HEAD without it', async t => {
  const p = await pair(t)
  const lines = renderHeaderLines(['Content-Type', 'text/plain', 'Date', 'Tue, 01 Jan 2030 00:00:00 GMT'])
  assert.deepEqual(lines, { text: 'Content-Type: text/plain\r\nDate: Tue, 01 Jan 2030 00:00:00 GMT\r\n', hasLength: false, hasDate: true })
  assert.throws(() => renderHeaderLines(['X-A', 'a\nb']), InvalidHeaderError)
  new RawResponse(p.server, owner(p), 'GET', true, false).endPrepared(200, '', lines, 'Age: 3\r\n', Buffer.from('hello'))
  new RawResponse(p.server, owner(p), 'HEAD', false, false).endPrepared(404, 'Gone Fishing', lines, 'Age: 4\r\n', Buffer.from('hello'))
  assert.equal(await p.received(),
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Tue, 01 Jan 2030 00:00:00 GMT\r\nAge: 3\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nhello' +
    'HTTP/1.1 404 Gone Fishing\r\nContent-Type: text/plain\r\nDate: Tue, 01 Jan 2030 00:00:00 GMT\r\nAge: 4\r\nContent-Length: 5\r\nConnection: close\r\n\r\n')
})

test('a turbocache hit: one kept buffer per Age, the same bytes as endPrepared, HEAD and close built as before', async t => {
  const p = await pair(t)
  // The app's own Date: no second boundary can make the test rebuild a buffer (the core's Date changes each second).
  const lines = renderHeaderLines(['Content-Type', 'text/plain', 'Date', 'Tue, 01 Jan 2030 00:00:00 GMT'])
  const hit = new PreparedHit(200, '', lines, Buffer.from('hello'))
  const first = hit.wire(3)
  assert.ok(first !== undefined)
  assert.equal(hit.wire(3), first, 'hits with the same Age (within a second) reuse one buffer: nothing is built per hit')
  assert.notEqual(hit.wire(4), first)
  new RawResponse(p.server, owner(p), 'GET', true, false).endHit(hit, 3)
  new RawResponse(p.server, owner(p), 'GET', true, false).endPrepared(200, '', lines, 'Age: 3\r\n', Buffer.from('hello'))
  new RawResponse(p.server, owner(p), 'HEAD', true, false).endHit(hit, 5)
  new RawResponse(p.server, owner(p), 'GET', false, false).endHit(hit, 6)
  const out = (await p.received()).replaceAll('Date: Tue, 01 Jan 2030 00:00:00 GMT\r\n', '')
  const kept = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nAge: 3\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nhello'
  assert.equal(out, kept + kept +
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nAge: 5\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nAge: 6\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello')
  assert.equal(p.done.length, 4)
})

test('kept hit buffers are bounded: past 64 entries the oldest gives its up; large bodies are never copied', () => {
  const hits = Array.from({ length: 65 }, (_, i) => new PreparedHit(200, '', renderHeaderLines(['Date', 'Tue, 01 Jan 2030 00:00:00 GMT']), Buffer.from(`body ${i}`)))
  const firsts = hits.map(h => h.wire(1))
  assert.notEqual(hits[0]!.wire(1), firsts[0], 'the oldest was dropped when the 65th was built')
  assert.equal(hits[64]!.wire(1), firsts[64])
  assert.equal(new PreparedHit(200, '', renderHeaderLines(['Date', 'Tue, 01 Jan 2030 00:00:00 GMT']), Buffer.alloc(64 * 1024)).wire(1), undefined)
})

test('close listeners: one, several, and ones taken off, each told once in the order given', async t => {
  const p = await pair(t)
  const calls: string[] = []
  const listener = (name: string) => () => { calls.push(name) }
  const only = new RawResponse(p.server, owner(p), 'GET', true, false)
  only.once('close', listener('only'))
  const gone = listener('gone')
  const several = new RawResponse(p.server, owner(p), 'GET', true, false)
  several.once('close', listener('a'))
  several.once('close', gone)
  several.once('close', listener('b'))
  several.off('close', gone)
  several.off('close', listener('never added'))
  const none = new RawResponse(p.server, owner(p), 'GET', true, false)
  const lone = listener('lone, taken off')
  none.once('close', lone)
  none.off('close', lone)
  for (const r of [only, several, none]) { r.abandon(); r.abandon() }
  assert.deepEqual(calls, ['only', 'a', 'b'])
})
