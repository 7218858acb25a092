// What a hostile client can do with framing and Host, against a real Ferry and a real app: every request the app
// sees must be the one Ferry judged (routed, cached and answered by), framed as Ferry forwards it.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { startCore, type InProcessCore } from '../../helpers/core.js'
import { fixtureApp } from '../../helpers/tmp.js'
import { get, getJson } from '../../helpers/http.js'

/** Sends `bytes` on one connection and resolves all that came back once the server closed it. */
async function raw (url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return await new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => s.write(Buffer.from(bytes, 'latin1')))
    let out = ''
    s.setEncoding('latin1')
    s.on('data', (d: string) => { out += d })
    s.on('error', reject)
    s.on('close', () => resolve(out))
    setTimeout(() => s.destroy(), 10_000).unref()
  })
}

/** The JSON bodies of the responses in `text`, in order (the fixture answers JSON with a Content-Length). */
function bodies (text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  const re = /HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/g
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const length = Number(/content-length: (\d+)/i.exec(m[2]!)?.[1] ?? 0)
    const body = text.slice(re.lastIndex, re.lastIndex + length)
    re.lastIndex += length
    out.push({ status: Number(m[1]), ...(body.startsWith('{') ? JSON.parse(body) as Record<string, unknown> : { text: body }) })
  }
  return out
}

// One instance for the tests that only send requests, stopped after the file's last test.
const cleanups: Array<() => unknown> = []
after(async () => { for (const c of cleanups) await c() })
let shared: Promise<InProcessCore> | undefined
async function ferry (): Promise<InProcessCore> {
  shared ??= startCore({ after: (fn: () => unknown) => cleanups.push(fn) } as unknown as TestContext, fixtureApp('proxy-lab'), ['--max-pool-size', '1'])
  return await shared
}

test('Connection: content-length cannot unframe a body: the app reads it as the body, never as a request', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--max-pool-size', '1'])
  const smuggled = 'GET /pid HTTP/1.1\r\nHost: x\r\n\r\n'
  const text = await raw(f.url,
    `POST /upload HTTP/1.1\r\nHost: a.test\r\nConnection: content-length\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}` +
    'GET /echo HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n')
  const [upload, echo, extra] = bodies(text)
  assert.equal(upload?.status, 200)
  assert.equal(upload?.bytes, smuggled.length, 'the app got the whole body as a body')
  assert.equal(echo?.url, '/echo', 'the second response is the second request\'s')
  assert.equal(extra, undefined)
  const arrivals = await getJson<Record<string, number>>(f.url + '/arrivals')
  assert.equal(arrivals['GET /pid'], undefined, 'the smuggled request never reached the app')
})

test('Connection: transfer-encoding cannot unframe a chunked body either', async () => {
  const f = await ferry()
  const text = await raw(f.url,
    'POST /upload HTTP/1.1\r\nHost: a.test\r\nConnection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' +
    'GET /echo HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n')
  const [upload, echo] = bodies(text)
  assert.equal(upload?.bytes, 5)
  assert.equal(echo?.url, '/echo')
})

test('Connection: host cannot strip Host: the app sees the Host Ferry routed and cached by', async () => {
  const f = await ferry()
  for (const first of ['GET', 'POST']) {
    const text = await raw(f.url, `${first} /echo HTTP/1.1\r\nHost: a.test\r\nConnection: host, close\r\nContent-Length: 0\r\n\r\n`)
    const [echo] = bodies(text)
    assert.equal((echo?.headers as Record<string, string>).host, 'a.test', first)
    assert.equal((echo?.headers as Record<string, string>)['x-forwarded-host'], 'a.test', first)
  }
})

test('two Host headers or an invalid Host get 400 and never reach the app', async () => {
  const f = await ferry()
  for (const head of ['Host: a.test\r\nHost: b.test', 'Host: a.test\r\nhost: a.test', 'Host: a b', 'Host: a/b', 'Host: a\xa0']) {
    const text = await raw(f.url, `GET /refused-host?h=${encodeURIComponent(head)} HTTP/1.1\r\n${head}\r\nConnection: close\r\n\r\n`)
    assert.match(text, /^HTTP\/1\.1 400 /, JSON.stringify(head))
  }
  const arrivals = await getJson<Record<string, number>>(f.url + '/arrivals')
  assert.equal(arrivals['GET /refused-host'], undefined)
})

test('an absolute-form target is sent to the app in origin form, with its authority as Host', async () => {
  const f = await ferry()
  const text = await raw(f.url, 'GET http://b.test:81/echo?q=1 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n')
  const [echo] = bodies(text)
  assert.equal(echo?.url, '/echo?q=1')
  assert.equal((echo?.headers as Record<string, string>).host, 'b.test:81')
  assert.match(await raw(f.url, 'GET ftp://b.test/echo HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 400 /)
})

test('a transfer coding other than chunked gets 501', async () => {
  const f = await ferry()
  const text = await raw(f.url, 'POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n')
  assert.match(text, /^HTTP\/1\.1 501 /)
})

test('the body\'s framing is Ferry\'s: the client\'s Content-Length is sent as parsed, a chunked body re-chunked', async () => {
  const f = await ferry()
  const sized = await get(f.url + '/upload', { method: 'POST', body: 'x'.repeat(1000) })
  assert.equal(JSON.parse(sized.body).bytes, 1000)
  const empty = bodies(await raw(f.url, 'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'))[0]
  assert.equal((empty?.headers as Record<string, string>)['content-length'], '0')
})

test('a kept-alive connection the app closes unanswered: a GET is sent again, a bodyless POST or DELETE is not', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--max-pool-size', '1'])
  // Sequential requests reuse the one idle connection: the app drops the request after /drop-next on it.
  await getJson(f.url + '/drop-next')
  const retried = await get(f.url + '/echo')
  assert.equal(retried.status, 200)
  for (const method of ['POST', 'DELETE']) {
    await getJson(f.url + '/drop-next')
    const once = await get(f.url + '/echo', { method })
    assert.equal(once.status, 502, method)
  }
  const arrivals = await getJson<Record<string, number>>(f.url + '/arrivals')
  assert.equal(arrivals['GET /echo'], 2, 'the GET was sent twice: dropped, then answered')
  assert.equal(arrivals['POST /echo'], 1)
  assert.equal(arrivals['DELETE /echo'], 1)
})

test('without --trust-proxy a client\'s X-Forwarded-* are replaced; from a trusted peer they are kept', async t => {
  const f = await ferry()
  const spoof = { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.test' }
  const plain = JSON.parse((await get(f.url + '/echo', { headers: spoof })).body) as { headers: Record<string, string> }
  assert.equal(plain.headers['x-forwarded-for'], '127.0.0.1')
  assert.equal(plain.headers['x-forwarded-proto'], 'http')
  assert.notEqual(plain.headers['x-forwarded-host'], 'evil.test')
  const trusting = await startCore(t, fixtureApp('proxy-lab'), ['--trust-proxy', 'loopback'])
  const kept = JSON.parse((await get(trusting.url + '/echo', { headers: spoof })).body) as { headers: Record<string, string> }
  assert.equal(kept.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1')
  assert.equal(kept.headers['x-forwarded-proto'], 'https')
  assert.equal(kept.headers['x-forwarded-host'], 'evil.test')
  const other = await startCore(t, fixtureApp('proxy-lab'), ['--trust-proxy', '10.0.0.0/8'])
  const notKept = JSON.parse((await get(other.url + '/echo', { headers: spoof })).body) as { headers: Record<string, string> }
  assert.equal(notKept.headers['x-forwarded-proto'], 'http')
})
