// The raw hit path (raw-io.ts, lean-connection.ts) under hostile clients: many connections whose split, pipelined
// heads meet in the shared read buffer, hits waiting in the kernel when a request is handed to node's server,
// clients that reset mid-write, and a half-open client that goes on sending after a Connection: close answer.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { once } from 'node:events'
import { startCore } from '../../helpers/core.js'
import { fixtureApp } from '../../helpers/tmp.js'
import { rawClient as client, parseAnswers } from '../../helpers/raw-answers.js'
import { rawIo } from '../../../src/core/server/raw-io.js'

const get = (path: string, host: string, more = ''): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${more}\r\n`

test('many clients sending split, pipelined heads at once: each gets the answers to its own requests, in order', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const { port } = new URL(f.url)
  const N = 12
  const R = 40
  const work = Array.from({ length: N }, async (_, ci) => {
    const s = connect(Number(port), '127.0.0.1')
    t.after(() => s.destroy())
    await once(s, 'connect')
    let text = ''
    s.setEncoding('latin1')
    s.on('data', (d: string) => { text += d })
    const wanted: Array<[string, string]> = []
    let out = ''
    for (let i = 0; i < R; i++) {
      const host = `h${ci}.example`
      const path = `/public?c=${ci}&i=${i % 5}`
      wanted.push([host, path])
      out += get(path, host, `Cookie: user=u${ci}\r\n`)
    }
    const b = Buffer.from(out, 'latin1')
    for (let at = 0; at < b.length;) {
      const n = 1 + Math.floor(Math.random() * 97)
      s.write(b.subarray(at, at + n))
      at += n
      if (Math.random() < 0.2) await new Promise(r => setImmediate(r))
    }
    const deadline = Date.now() + 15_000
    let a
    while ((a = parseAnswers(text, Array(R).fill('GET'))) === undefined) {
      if (Date.now() > deadline) throw new Error(`client ${ci} got only:\n${text.slice(-500)}`)
      await new Promise(r => setTimeout(r, 10))
    }
    a.forEach((x, i) => {
      assert.equal(x.status, 200)
      assert.match(x.body, new RegExp(`host=${wanted[i]![0]} url=${wanted[i]![1]!.replace('?', '\\?')}\\n`), `client ${ci} answer ${i}`)
    })
    s.destroy()
  })
  await Promise.all(work)
})

test('hits pending in the kernel, then a POST handed off, then hits: in order', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const c = await client(t, f.url)
  c.s.write(get('/big?kb=15', 'a'))
  const [first] = await c.answers(['GET'])
  const { port } = new URL(f.url)
  const s = connect(Number(port), '127.0.0.1')
  t.after(() => s.destroy())
  await once(s, 'connect')
  s.pause()
  const w0 = rawIo.writesTaken
  const methods: string[] = []
  let out = ''
  for (let i = 0; i < 60; i++) { out += get('/big?kb=15', 'a'); methods.push('GET') }
  out += 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello'; methods.push('POST')
  for (let i = 0; i < 20; i++) { out += get('/big?kb=15', 'a'); methods.push('GET') }
  s.write(out)
  await new Promise(r => setTimeout(r, 300))
  let text = ''
  s.setEncoding('latin1')
  s.on('data', (d: string) => { text += d })
  s.resume()
  const deadline = Date.now() + 10000
  let a
  while ((a = parseAnswers(text, methods)) === undefined) {
    assert.ok(Date.now() < deadline, 'all answers')
    await new Promise(r => setTimeout(r, 20))
  }
  assert.ok(rawIo.writesTaken > w0, 'some of the hits were written raw')
  a.forEach((x, i) => {
    if (i === 60) assert.match(x.body, /updated/)
    else assert.equal(x.body, first!.body, `answer ${i}`)
  })
})

test('clients that reset mid-write, under load', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const c = await client(t, f.url)
  c.s.write(get('/big?kb=15', 'a'))
  await c.answers(['GET'])
  const { port } = new URL(f.url)
  for (let round = 0; round < 30; round++) {
    const socks = await Promise.all(Array.from({ length: 8 }, async () => {
      const s = connect(Number(port), '127.0.0.1')
      s.on('error', () => {})
      await once(s, 'connect')
      s.write(get('/big?kb=15', 'a').repeat(50))
      return s
    }))
    await new Promise(r => setTimeout(r, round % 3))
    for (const s of socks) s.resetAndDestroy()
  }
  c.s.write(get('/public', 'a'))
  const v = await c.answers(['GET', 'GET'])
  assert.equal(v[1]!.status, 200)
})

test('a POST after hits on one connection: handed to node\'s server in its place, hits after it answered too', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const c = await client(t, f.url)
  c.s.write(get('/public', 'a'))
  await c.answers(['GET'])
  c.s.write(get('/public', 'a') + get('/public', 'a') + 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' + get('/public', 'a'))
  const v = await c.answers(['GET', 'GET', 'GET', 'POST', 'GET'])
  assert.deepEqual(v.map(x => x.status), [200, 200, 200, 200, 200])
  assert.match(v[3]!.body, /updated/)
})

test('requests sent after a Connection: close answer are not served', async t => {
  const f = await startCore(t, fixtureApp('cache-lab'))
  const { port } = new URL(f.url)
  const s = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true })
  t.after(() => s.destroy())
  s.on('error', () => {})
  await once(s, 'connect')
  let text = ''
  s.on('data', d => { text += String(d) })
  s.write(get('/public', 'a'))
  await new Promise(r => setTimeout(r, 100))
  s.write(get('/public', 'a', 'Connection: close\r\n'))
  await once(s, 'end')
  s.write(get('/plain?after-close', 'a'))
  await new Promise(r => setTimeout(r, 300))
  const d = await client(t, f.url)
  d.s.write(get('/plain?probe', 'a'))
  const [p] = await d.answers(['GET'])
  assert.match(p!.body, /serial=2 /, 'the app saw no request after the close')
})
