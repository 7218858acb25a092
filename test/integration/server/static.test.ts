import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { createStaticFiles, type StaticFiles } from '../../../src/core/server/static.js'
import { tmpDir } from '../../helpers/tmp.js'

const SECRET = 'TOP-SECRET-d5f1c0'
const CSS = 'body { color: #123456 }\n'

interface Site { port: number, app: string, pub: string, files: StaticFiles, errors: Error[] }

// APP_DIR with secret.txt next to public/, a front server that tries static files first and otherwise says 'app'.
async function startSite (t: TestContext): Promise<Site> {
  const app = tmpDir(t)
  const pub = join(app, 'public')
  mkdirSync(join(pub, 'css'), { recursive: true })
  writeFileSync(join(app, 'secret.txt'), SECRET)
  writeFileSync(join(pub, 'css', 'site.css'), CSS)
  writeFileSync(join(pub, 'index.html'), '<h1>home</h1>')
  writeFileSync(join(pub, '.env'), `TOKEN=${SECRET}`)
  symlinkSync(join(app, 'secret.txt'), join(pub, 'leak.txt'))
  const errors: Error[] = []
  const files = createStaticFiles(pub, { onError: err => errors.push(err) })
  t.after(() => files.close())
  const server = createServer((req, res) => {
    if (files.tryServe(req, res)) return
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 }).end('app')
  })
  t.after(() => server.close())
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { port: (server.address() as AddressInfo).port, app, pub, files, errors }
}

interface Reply { status: number, headers: IncomingHttpHeaders, body: string }

function get (port: number, path: string, options: { method?: string, headers?: Record<string, string> } = {}):
Promise<Reply> {
  const { method = 'GET', headers } = options
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

// Send a request line exactly as written (no client-side normalisation) and return the whole raw response. The
// socket is not half-closed: node's server would then abort the request before an asynchronous answer is written.
async function raw (port: number, target: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  await once(socket, 'close')
  return Buffer.concat(chunks).toString('latin1')
}

// Ask until `done` holds or ~2 s have passed (the watcher re-indexes ~100 ms after a change); the last reply.
async function waitFor (port: number, path: string, done: (reply: Reply) => boolean): Promise<Reply> {
  let reply = await get(port, path)
  for (let waited = 0; !done(reply) && waited < 2000; waited += 50) {
    await sleep(50)
    reply = await get(port, path)
  }
  return reply
}

test('serves a file with Content-Type, ETag and Last-Modified', async (t: TestContext) => {
  const { port, files } = await startSite(t)
  assert.equal(files.fileCount, 2) // css/site.css and index.html; neither .env nor leak.txt
  const reply = await get(port, '/css/site.css')
  assert.equal(reply.status, 200)
  assert.equal(reply.body, CSS)
  assert.equal(reply.headers['content-type'], 'text/css; charset=utf-8')
  assert.equal(reply.headers['content-length'], String(Buffer.byteLength(CSS)))
  assert.match(reply.headers.etag ?? '', /^W\/".+"$/)
  assert.ok(!Number.isNaN(Date.parse(reply.headers['last-modified'] ?? '')))
  const home = await get(port, '/?utm=1')
  assert.equal(home.status, 200)
  assert.equal(home.body, '<h1>home</h1>')
  assert.equal(home.headers['content-type'], 'text/html; charset=utf-8')
})

test('If-None-Match with the ETag answers 304 with no body', async (t: TestContext) => {
  const { port } = await startSite(t)
  const first = await get(port, '/css/site.css')
  const second = await get(port, '/css/site.css', { headers: { 'if-none-match': first.headers.etag ?? '' } })
  assert.equal(second.status, 304)
  assert.equal(second.body, '')
})

test('Range: bytes=0-3 answers 206 with those bytes and Content-Range', async (t: TestContext) => {
  const { port } = await startSite(t)
  const reply = await get(port, '/css/site.css', { headers: { range: 'bytes=0-3' } })
  assert.equal(reply.status, 206)
  assert.equal(reply.body, CSS.slice(0, 4))
  assert.equal(reply.headers['content-range'], `bytes 0-3/${Buffer.byteLength(CSS)}`)
  const unsatisfiable = await get(port, '/css/site.css', { headers: { range: 'bytes=9999-' } })
  assert.equal(unsatisfiable.status, 416)
  assert.equal(unsatisfiable.headers['content-range'], `bytes */${Buffer.byteLength(CSS)}`)
})

test('HEAD has the headers and no body', async (t: TestContext) => {
  const { port } = await startSite(t)
  const reply = await get(port, '/css/site.css', { method: 'HEAD' })
  assert.equal(reply.status, 200)
  assert.equal(reply.body, '')
  assert.equal(reply.headers['content-type'], 'text/css; charset=utf-8')
  assert.equal(reply.headers['content-length'], String(Buffer.byteLength(CSS)))
  assert.ok(reply.headers.etag)
})

test('paths that are not static files, and other methods, fall through to the app', async (t: TestContext) => {
  const { port } = await startSite(t)
  for (const path of ['/users/1', '/css/', '/css', '/css/missing.css']) {
    const reply = await get(port, path)
    assert.deepEqual([reply.status, reply.body], [200, 'app'], path)
  }
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const reply = await get(port, '/css/site.css', { method })
    assert.deepEqual([reply.status, reply.body], [200, 'app'], method)
  }
})

test('traversal attempts never return a file outside public/', async (t: TestContext) => {
  const { port, pub } = await startSite(t)
  // a directory literally named '%2e%2e': double-encoding must reach it (inside public/), never the parent
  mkdirSync(join(pub, '%2e%2e'))
  writeFileSync(join(pub, '%2e%2e', 'secret.txt'), 'decoy inside public')
  const decoy = await waitFor(port, '/%252e%252e/secret.txt', reply => reply.body !== 'app')
  assert.deepEqual([decoy.status, decoy.body], [200, 'decoy inside public'])
  const targets = [
    '/../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/..%2fsecret.txt', '/%252e%252e/secret.txt',
    '/css/..%5c..%5csecret.txt', '/css/../../secret.txt', '/public/../../secret.txt', '/css/%2e%2e/%2e%2e/secret.txt',
    '/..%5csecret.txt', '//secret.txt', '/secret.txt', '/leak.txt', '/.env', '/%2eenv', '/css/../.env',
    '/secret.txt%00.css', '/css/site.css/../../secret.txt', '/%2e%2e/%2e%2e/secret.txt'
  ]
  for (const target of targets) {
    const response = await raw(port, target)
    assert.ok(!response.includes(SECRET), `${target} leaked the secret:\n${response}`)
    assert.match(response, /^HTTP\/1\.1 (200 OK[\s\S]*\r\n\r\n(app|decoy inside public)$|4\d\d )/, target)
  }
  // the raw helper does see static answers, and the server is still fine afterwards
  const direct = await raw(port, '/css/site.css')
  assert.ok(direct.startsWith('HTTP/1.1 200 OK\r\n') && direct.endsWith(`\r\n\r\n${CSS}`), direct)
})

test('a symlink inside public/ to a file outside is not served', async (t: TestContext) => {
  const { port } = await startSite(t)
  const reply = await get(port, '/leak.txt')
  assert.deepEqual([reply.status, reply.body], [200, 'app'])
})

test('a file swapped for a symlink out of public/ after indexing is not served', async (t: TestContext) => {
  const { port, app, pub } = await startSite(t)
  // Swap and ask at once, before the watcher re-indexes: either the serve-time realpath check answers 404, or the
  // re-index has already dropped the file and the app answers. Never the secret.
  renameSync(join(pub, 'css', 'site.css'), join(app, 'site.css.bak'))
  symlinkSync(join(app, 'secret.txt'), join(pub, 'css', 'site.css'))
  const reply = await get(port, '/css/site.css')
  assert.ok(!reply.body.includes(SECRET))
  assert.ok(reply.status === 404 || reply.body === 'app', `${reply.status} ${reply.body}`)
})

test('a file added after start is served once the watcher has caught up', async (t: TestContext) => {
  const { port, pub, files } = await startSite(t)
  assert.equal((await get(port, '/js/new.js')).body, 'app')
  mkdirSync(join(pub, 'js'))
  writeFileSync(join(pub, 'js', 'new.js'), 'console.log(1)')
  const reply = await waitFor(port, '/js/new.js', r => r.body !== 'app')
  assert.equal(reply.status, 200)
  assert.equal(reply.body, 'console.log(1)')
  assert.match(reply.headers['content-type'] ?? '', /^(text|application)\/javascript; charset=utf-8$/)
  assert.equal(files.fileCount, 3)
})

test('a file removed after start falls through to the app once re-indexed', async (t: TestContext) => {
  const { port, pub, app } = await startSite(t)
  renameSync(join(pub, 'index.html'), join(app, 'index.html.bak'))
  const reply = await waitFor(port, '/', r => r.body === 'app')
  assert.deepEqual([reply.status, reply.body], [200, 'app'])
})

test('dot-files inside public/ are not served', async (t: TestContext) => {
  const { port, errors } = await startSite(t)
  for (const path of ['/.env', '/%2eenv']) {
    const reply = await get(port, path)
    assert.deepEqual([reply.status, reply.body], [200, 'app'], path)
  }
  assert.deepEqual(errors, [])
})
