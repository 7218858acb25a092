// The lean front answers plain GETs and HEADs itself and hands a connection to node's HTTP server at the first
// request it does not take. These tests drive one raw connection across that boundary in every way it can be
// crossed, and check what only the lean front could get wrong: order, framing, timeouts and stopping.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFerry } from '../../helpers/ferry.js'
import { startCore } from '../../helpers/core.js'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { peakRss } from '../../helpers/procs.js'
import { rawClient as client } from '../../helpers/raw-answers.js'

const statusLines = (text: string): string[] => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map(m => m[1]!)

test('one connection: lean GETs, a POST with a body handed to node\'s server, then more GETs, all in order', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const c = await client(t, f.url)
  c.s.write('GET /echo?n=1 HTTP/1.1\r\nHost: a\r\n\r\n')
  await c.waitFor(/"url":"\/echo\?n=1"/)
  c.s.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world')
  await c.waitFor(/"bytes":11/)
  c.s.write('GET /echo?n=3 HTTP/1.1\r\nHost: a\r\n\r\n')
  await c.waitFor(/"url":"\/echo\?n=3"/)
  assert.deepEqual(statusLines(c.text()), ['200', '200', '200'])
})

test('pipelined: four requests in one packet, the third with a body, answered in order on one connection', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const c = await client(t, f.url)
  c.s.write('GET /echo?n=1 HTTP/1.1\r\nHost: a\r\n\r\n' +
    'HEAD /echo?n=2 HTTP/1.1\r\nHost: a\r\n\r\n' +
    'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc' +
    'GET /echo?n=4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
  await c.closed
  const text = c.text()
  assert.deepEqual(statusLines(text), ['200', '200', '200', '200'])
  const n1 = text.indexOf('"url":"/echo?n=1"')
  const upload = text.indexOf('"bytes":3')
  const n4 = text.indexOf('"url":"/echo?n=4"')
  assert.ok(n1 > 0 && upload > n1 && n4 > upload, text)
  assert.equal(text.includes('"url":"/echo?n=2"'), false, 'a HEAD response has no body')
})

test('a head split across packets, HTTP/1.0 keep-alive, and what the app receives from the lean front', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const c = await client(t, f.url)
  c.s.write('GET /echo?n=1 HTTP/1.0\r\nConnection: keep-alive\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Host: evil\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n')
  await c.waitFor(/"url":"\/echo\?n=1"/)
  assert.match(c.text(), /Connection: keep-alive/)
  const echoed = JSON.parse(c.text().slice(c.text().indexOf('{'))) as { headers: Record<string, string> }
  // Without --trust-proxy a client's own X-Forwarded-For is a forgery: Ferry sets it to the peer alone.
  assert.equal(echoed.headers['x-forwarded-for'], '127.0.0.1')
  assert.equal(echoed.headers['x-forwarded-proto'], 'http')
  assert.equal(echoed.headers['x-forwarded-host'], undefined, 'no Host header, so none forwarded, and the client\'s is dropped')
  assert.equal(echoed.headers.host, 'localhost', 'HTTP/1.1 to the app needs a Host')
  assert.equal(echoed.headers.cookie, 'a=1; b=2')
  c.s.write('GET /echo?n=2 HTTP/1.1\r\nHo')
  await new Promise(resolve => setTimeout(resolve, 100))
  c.s.write('st: b\r\n\r\n')
  await c.waitFor(/"url":"\/echo\?n=2"/)
  assert.deepEqual(statusLines(c.text()), ['200', '200'])
})

test('a static file after a proxied GET on the same connection is served from public/', async t => {
  const f = await startCore(t, fixtureApp('static-site'))
  const c = await client(t, f.url)
  c.s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n')
  await c.waitFor(/from the app/)
  c.s.write('GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\nGET /../secret.txt HTTP/1.1\r\nHost: a\r\n\r\n')
  // The file from public/, then the traversal attempt, which is not a file Ferry serves: the app answers it.
  await c.waitFor(/static hello[^]*from the app/)
  assert.deepEqual(statusLines(c.text()), ['200', '200', '200'])
  assert.match(c.text(), /Content-Type: text\/plain[^]*static hello/)
  assert.doesNotMatch(c.text(), /TOP SECRET/)
})

test('a response header that could split the response never reaches the client: 502 instead', async t => {
  const dir = tmpDir(t)
  // A generic app that answers every request with a header value carrying a bare LF.
  writeFileSync(join(dir, 'raw.js'), `require('node:net').createServer(s => s.on('data', () =>
    s.write('HTTP/1.1 200 OK\\r\\nX-A: a\\nSet-Cookie: stolen=1\\r\\nContent-Length: 2\\r\\n\\r\\nok'))).listen(Number(process.env.PORT), '127.0.0.1')`)
  const f = await startCore(t, dir, ['--app-start-command', 'node raw.js'])
  const c = await client(t, f.url)
  c.s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n')
  await c.waitFor(/\r\n\r\n[^]*<\/html>/)
  assert.deepEqual(statusLines(c.text()), ['502'])
  assert.doesNotMatch(c.text(), /stolen/)
})

test('a slow response is not cut by the idle timeout; the idle connection after it is closed', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const c = await client(t, f.url)
  const started = Date.now()
  c.s.write('GET /slow?ms=5500 HTTP/1.1\r\nHost: a\r\n\r\n')
  await c.waitFor(/"pid":\d+/, 8_000)
  assert.ok(Date.now() - started >= 5_400)
  const answered = Date.now()
  await c.closed
  const idle = Date.now() - answered
  assert.ok(idle >= 4_500 && idle < 7_000, `closed after ${idle} ms idle`)
})

test('stopping: an idle keep-alive connection is closed at once, a request in flight still gets its answer', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const idle = await client(t, f.url)
  const busy = await client(t, f.url)
  idle.s.write('GET /pid HTTP/1.1\r\nHost: a\r\n\r\n')
  await idle.waitFor(/"pid"/)
  busy.s.write('GET /slow?ms=800 HTTP/1.1\r\nHost: a\r\n\r\n')
  await new Promise(resolve => setTimeout(resolve, 150))
  const stopped = f.stop()
  await idle.closed
  await busy.closed
  assert.equal(await stopped, 0)
  assert.deepEqual(statusLines(busy.text()), ['200'])
  assert.match(busy.text(), /Connection: close/)
})

test('a client that pipelines requests and never reads the answers does not make the core hold them', async t => {
  const f = await startFerry(t, fixtureApp('cache-lab'))
  // Small enough that each answer is a fresh copy of the entry (larger ones go out as the one stored buffer).
  const path = '/big?kb=7'
  for (let i = 0; i < 2; i++) assert.equal((await fetch(`${f.url}${path}`)).status, 200)
  const before = peakRss(f.corePid)
  const c = await client(t, f.url)
  c.s.pause()
  // 30,000 requests for a cached 7 KiB response: without the wait for drain the core's memory grew by 40 MiB in
  // these 2 s (and on for as long as the client sends); with it, by 2 MiB.
  c.s.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`.repeat(30_000))
  await new Promise(resolve => setTimeout(resolve, 2000))
  const grown = peakRss(f.corePid) - before
  assert.ok(grown < 20 * 1024 * 1024, `core peak RSS grew by ${Math.round(grown / 1048576)} MiB`)
  c.s.resume()
  await c.waitFor(/HTTP\/1\.1 200 OK[^]*?HTTP\/1\.1 200 OK[^]*?HTTP\/1\.1 200 OK/)
})
