// Turbocache hits read and written below node's streams (raw-io.ts): the core started in this process, so the
// counters of the raw paths are this test's to read. The first test fails if this Node stops allowing them (the
// fallback would still answer, more slowly, and nothing else would tell); the others drive what such a path must
// still get right, over real connections: pipelining, split heads, slow and departing clients, misses in between.
// The stream fallback (FERRY_RAW_IO=off, read at start-up) needs a core process of its own: test/cli/front/.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { startCore } from '../../helpers/core.js'
import { fixtureApp } from '../../helpers/tmp.js'
import { rawIo } from '../../../src/core/server/raw-io.js'
import { rawClient as client, req, serial } from '../../helpers/raw-answers.js'

test('on this Node, hits are read into the shared buffer and written straight to the socket\'s handle', async t => {
  assert.ok(rawIo.reads, 'net.Socket\'s user-buffer reads are found (kBuffer, kBufferCb, kBufferGen)')
  assert.ok(rawIo.writes, 'the stream_wrap binding\'s WriteWrap is found')
  const f = await startCore(t, fixtureApp('cache-lab'))
  const c = await client(t, f.url)
  c.s.write(req('/public'))
  const [miss] = await c.answers(['GET'])
  const reads = rawIo.readsTaken
  const writes = rawIo.writesTaken
  let sent = 1
  for (let i = 0; i < 20; i++) {
    c.s.write(req('/public'))
    sent++
    await c.answers(Array(sent).fill('GET'))
  }
  const all = await c.answers(Array(sent).fill('GET'))
  assert.ok(all.slice(1).every(a => a.status === 200 && serial(a) === serial(miss!)), 'every later answer is a hit')
  assert.ok(rawIo.readsTaken - reads >= 20, `reads taken raw: ${rawIo.readsTaken - reads}`)
  assert.ok(rawIo.writesTaken - writes >= 20, `writes taken raw: ${rawIo.writesTaken - writes}`)
})

test('one packet of pipelined requests: hits, a HEAD, a 304, Vary variants and misses, answered in order', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const prime = await client(t, f.url)
  prime.s.write(req('/public?etag') + req('/vary?on=Accept-Language', 'Accept-Language: en\r\n'))
  const [stored, en] = await prime.answers(['GET', 'GET'])
  const c = await client(t, f.url)
  // The misses (/plain, the fr variant) go to the app while the requests after them wait in the connection: they
  // must survive the reads of other connections into the shared buffer meanwhile.
  c.s.write(req('/public?etag') + `HEAD /public?etag HTTP/1.1\r\nHost: a\r\n\r\n` + req('/public?etag', 'If-None-Match: "v1"\r\n') +
    req('/plain') + req('/vary?on=Accept-Language', 'Accept-Language: en\r\n') + req('/vary?on=Accept-Language', 'Accept-Language: fr\r\n') +
    req('/public?etag'))
  const other = await client(t, f.url)
  for (let i = 0; i < 5; i++) {
    other.s.write(req(`/slow-plain?ms=1&other=${'z'.repeat(200)}`))
    await other.answers(Array(i + 1).fill('GET'))
  }
  const a = await c.answers(['GET', 'HEAD', 'GET', 'GET', 'GET', 'GET', 'GET'])
  assert.deepEqual(a.map(x => x.status), [200, 200, 304, 200, 200, 200, 200])
  assert.equal(serial(a[0]!), serial(stored!))
  assert.equal(a[1]!.body, '')
  assert.equal(a[1]!.headers['content-length'], String(Buffer.byteLength(stored!.body)))
  assert.equal(a[2]!.headers.etag, '"v1"')
  assert.notEqual(serial(a[3]!), serial(stored!), '/plain is the app\'s')
  assert.equal(serial(a[4]!), serial(en!), 'the en variant is a hit')
  assert.notEqual(serial(a[5]!), serial(en!), 'the fr variant is not')
  assert.equal(serial(a[6]!), serial(stored!))
})

test('a head split over several packets is answered once it is whole', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const c = await client(t, f.url)
  c.s.write(req('/public'))
  const [miss] = await c.answers(['GET'])
  for (const piece of ['GET /pub', 'lic HTTP/1.1\r\nHo', 'st: a\r\n', '\r', '\n']) {
    c.s.write(piece)
    await new Promise(resolve => setTimeout(resolve, 30))
  }
  const [, hit] = await c.answers(['GET', 'GET'])
  assert.equal(hit!.status, 200)
  assert.equal(serial(hit!), serial(miss!))
})

test('a client that does not read: raw writes stop until it does (nothing piles up), then all answers come', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const path = '/big?kb=15'
  const c = await client(t, f.url)
  c.s.write(req(path))
  const [first] = await c.answers(['GET'])
  c.s.pause()
  const n = 3000 // 45 MiB of answers: more than loopback's socket buffers take
  const before = rawIo.writesTaken
  c.s.write(req(path).repeat(n))
  await new Promise(resolve => setTimeout(resolve, 700))
  const stalled = rawIo.writesTaken
  await new Promise(resolve => setTimeout(resolve, 700))
  assert.equal(rawIo.writesTaken, stalled, 'no answer is written while the client reads nothing')
  assert.ok(stalled - before < n / 2, `${stalled - before} of ${n} answers written to a client that reads nothing`)
  c.s.resume()
  const all = await c.answers(Array(n + 1).fill('GET'))
  assert.ok(all.every(a => a.status === 200 && a.body === first!.body), 'every answer whole, the same hit')
})

test('a client that closes in the middle of its answers: the core lets go and goes on serving others', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const path = '/big?kb=15'
  const c = await client(t, f.url)
  c.s.write(req(path))
  await c.answers(['GET'])
  c.s.write(req(path).repeat(2000))
  await new Promise(resolve => setTimeout(resolve, 50))
  c.s.destroy()
  await new Promise(resolve => setTimeout(resolve, 200))
  const d = await client(t, f.url)
  d.s.write(req(path) + req('/public'))
  assert.deepEqual((await d.answers(['GET', 'GET'])).map(a => a.status), [200, 200])
})

test('a connection handed to node\'s server after raw reads (a POST with a body) keeps every byte, in order', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const c = await client(t, f.url)
  c.s.write(req('/public'))
  const [miss] = await c.answers(['GET'])
  c.s.write(req('/public') + 'POST /public HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel')
  await new Promise(resolve => setTimeout(resolve, 50))
  c.s.write('lo' + req('/public'))
  const a = await c.answers(['GET', 'GET', 'POST', 'GET'])
  assert.deepEqual(a.map(x => x.status), [200, 200, 200, 200])
  assert.equal(serial(a[1]!), serial(miss!), 'a hit before the POST')
  assert.notEqual(serial(a[3]!), serial(miss!), 'the POST invalidated /public')
})

test('a client that sends its last request and closes its side at once still gets the answer, then the close', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const c = await client(t, f.url)
  c.s.write(req('/public'))
  const [miss] = await c.answers(['GET'])
  const closed = once(c.s, 'close')
  c.s.end(req('/public') + req('/public'))
  const [, a, b] = await c.answers(['GET', 'GET', 'GET'])
  assert.equal(serial(a!), serial(miss!))
  assert.equal(serial(b!), serial(miss!))
  // Closed because the client's end was read (raw reads still see it), not by the idle sweep 5 s later.
  const timer = new Promise(resolve => setTimeout(resolve, 2000, 'timeout').unref())
  assert.notEqual(await Promise.race([closed, timer]), 'timeout', 'the core closed its side after the answers')
})
