import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { Client } from 'undici'
import { fixtureApp } from '../../helpers/tmp.js'
import { startCore } from '../../helpers/core.js'
import { get, getJson, rawExchange } from '../../helpers/http.js'

test('serves an unmodified Node app and forwards the request faithfully', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const echo = await getJson<{ method: string, url: string, headers: Record<string, string> }>(`${f.url}/echo?q=1&r=%20`)
  assert.equal(echo.method, 'GET')
  assert.equal(echo.url, '/echo?q=1&r=%20')
  assert.equal(echo.headers['x-forwarded-proto'], 'http')
  assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1')
  assert.equal(echo.headers['x-forwarded-host'], new URL(f.url).host)

  // A client's own X-Forwarded-For is kept and extended; X-Forwarded-Proto/Host are Ferry's to say.
  const spoof = await get(`${f.url}/echo`, { headers: { 'X-Forwarded-For': '10.1.2.3', 'X-Forwarded-Proto': 'https' } })
  const sh = (JSON.parse(spoof.body) as { headers: Record<string, string> }).headers
  assert.equal(sh['x-forwarded-for'], '127.0.0.1', 'without --trust-proxy a client\'s X-Forwarded-For is replaced')
  assert.equal(sh['x-forwarded-proto'], 'http')

  const missing = await get(`${f.url}/no-such-route`)
  assert.equal(missing.status, 404, 'the app\'s own 404 passes through')
})

test('response headers: Set-Cookie lists kept, hop-by-hop headers removed', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const r = await get(`${f.url}/headers`)
  assert.equal(r.status, 200)
  assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2'])
  assert.equal(r.headers['x-custom'], 'yes')
  assert.equal(r.headers['x-custom-hop'], undefined, 'a header named in Connection is hop-by-hop')
})

test('keep-alive: several requests share one client connection; chunked bodies stream', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const client = new Client(f.url, { pipelining: 1 })
  t.after(() => client.close())
  let connects = 0
  client.on('connect', () => { connects++ })
  for (let i = 0; i < 5; i++) {
    const r = await client.request({ path: '/pid', method: 'GET' })
    assert.equal(r.statusCode, 200)
    await r.body.text()
  }
  assert.equal(connects, 1)
  const chunked = await client.request({ path: '/chunked', method: 'GET' })
  assert.equal(chunked.headers['transfer-encoding'], 'chunked')
  assert.equal(await chunked.body.text(), 'part 0\npart 1\npart 2\n')
  // A chunked body that arrives whole is sent on with its length rather than re-chunked.
  const whole = await client.request({ path: '/whole-chunked', method: 'GET' })
  assert.equal(whole.headers['content-length'], '11')
  assert.equal(whole.headers['transfer-encoding'], undefined)
  assert.equal(await whole.body.text(), 'all at once')
  const head = await client.request({ path: '/whole-chunked', method: 'HEAD' })
  assert.equal(head.statusCode, 200)
  assert.notEqual(head.headers['content-length'], '0', 'a HEAD answer does not claim an empty body')
  await head.body.text()
})

test('WebSocket-style Upgrade requests are passed through', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const { hostname, port } = new URL(f.url)
  const s = connect(Number(port), hostname)
  t.after(() => s.destroy())
  s.setEncoding('latin1')
  let got = ''
  s.on('data', d => { got += d })
  s.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n')
  const until = async (pred: () => boolean): Promise<void> => {
    for (let i = 0; i < 100 && !pred(); i++) await new Promise(resolve => setTimeout(resolve, 20))
  }
  await until(() => got.includes('\r\n\r\n'))
  assert.match(got, /^HTTP\/1\.1 101 /)
  got = ''
  s.write('ping over the pipe')
  await until(() => got === 'ping over the pipe')
  assert.equal(got, 'ping over the pipe')
})

test('malformed requests get 400 or 431 and everyone else is still served', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const twoOnOne = await rawExchange(f.url, ['GET /pid HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /?a b HTTP/1.1\r\nHost: x\r\n\r\n'])
  assert.match(twoOnOne, /^HTTP\/1\.1 200 /)
  assert.match(twoOnOne, /HTTP\/1\.1 400 Bad Request/)
  const garbage = await rawExchange(f.url, '\x00\x01NOT HTTP AT ALL\r\n\r\n')
  assert.match(garbage, /^HTTP\/1\.1 400 /)
  const huge = await rawExchange(f.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
  assert.match(huge, /^HTTP\/1\.1 431 /)
  const ok = await get(`${f.url}/pid`)
  assert.equal(ok.status, 200)
})

test('static files under public/ are served by the core; traversal falls through to the app', async t => {
  const f = await startCore(t, fixtureApp('static-site'))
  const r = await get(`${f.url}/hello.txt`)
  assert.equal(r.status, 200)
  assert.equal(r.body, 'static hello\n')
  assert.match(String(r.headers['content-type']), /^text\/plain/)
  assert.ok(r.headers.etag !== undefined)
  const ranged = await get(`${f.url}/hello.txt`, { headers: { Range: 'bytes=0-5' } })
  assert.equal(ranged.status, 206)
  assert.equal(ranged.body, 'static')
  for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
    const raw = await rawExchange(f.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    assert.doesNotMatch(raw, /TOP SECRET/, path)
  }
  const fromApp = await get(`${f.url}/dynamic`)
  assert.equal(fromApp.body, 'from the app')
})

test('--socket: serves on a Unix socket instead of TCP', async t => {
  const { tmpDir } = await import('../../helpers/tmp.js')
  const { Client } = await import('undici')
  const dir = tmpDir(t)
  const socketPath = `${dir}/ferry.sock`
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--socket', socketPath])
  assert.equal(f.url, `unix:${socketPath}`)
  const client = new Client('http://localhost', { socketPath })
  t.after(() => client.close())
  const r = await client.request({ path: '/echo', method: 'GET' })
  assert.equal(r.statusCode, 200)
  const echo = await r.body.json() as { headers: Record<string, string> }
  assert.equal(echo.headers['x-forwarded-for'], undefined, 'a Unix-socket client has no address to forward')
})

test('--envvar and --environment reach the app', async t => {
  const f = await startCore(t, fixtureApp('hello'), ['--environment', 'staging', '--envvar', 'FERRY_GREETING=hi there'])
  const env = await getJson<Record<string, string>>(`${f.url}/env`)
  assert.equal(env.NODE_ENV, 'staging')
  assert.equal(env.FERRY_GREETING, 'hi there')
})
