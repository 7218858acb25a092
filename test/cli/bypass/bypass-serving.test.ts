// Static files and the turbocache in bypass mode, with real processes: the app's process serves public/ and cache
// hits itself before its handler runs (the app counts its handler's calls), under the core's rules: nothing outside
// public/, no private or credentialed answer shared, unsafe methods invalidate, an operator's purge reaches the
// process over its IPC channel, a restart serves the new version, and the figures reach /server.json and metrics.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { request as httpRequest } from 'node:http'
import { once } from 'node:events'
import { cpSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry, readyCount, type RunningFerry } from '../../helpers/ferry.js'
import { waitFor } from '../../helpers/procs.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { get, rawExchange, type Reply } from '../../helpers/http.js'

const SECRET = 'TOP-SECRET-b7e2a9'
type Call = ReturnType<typeof adminClient>
interface Body { serial: number, pid: number, version: string, user: string, auth: string | null, calls?: number }

/** A copy of the fixture with public/ (a file, a symlink out of it), a secret beside it, and a VERSION. */
function appCopy (t: TestContext): string {
  const app = tmpDir(t)
  cpSync(fixtureApp('bypass-cache-lab'), app, { recursive: true })
  mkdirSync(join(app, 'public', 'css'), { recursive: true })
  mkdirSync(join(app, 'tmp'))
  writeFileSync(join(app, 'public', 'css', 'site.css'), 'body { color: #123456 }\n')
  writeFileSync(join(app, 'secret.txt'), SECRET)
  writeFileSync(join(app, 'VERSION'), 'v1')
  symlinkSync(join(app, 'secret.txt'), join(app, 'public', 'leak.txt'))
  return app
}

async function instance (t: TestContext, app: string, args: readonly string[] = []): Promise<{ f: RunningFerry, call: Call }> {
  const registry = tmpDir(t)
  // One process, so that its one cache and its handler count are the instance's.
  const f = await startFerry(t, app, ['--bypass', '--max-pool-size', '1', '--instance-registry-dir', registry, '--stat-throttle-rate', '1', ...args])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the process')
  return { f, call: adminClient(t, instanceDirIn(registry)) }
}

const body = (r: Reply): Body => JSON.parse(r.body) as Body
async function calls (f: RunningFerry): Promise<number> { return body(await get(`${f.url}/calls`)).calls! }

/** The request target exactly as written (no client normalises ../), and the raw answer. */
async function raw (url: string, target: string): Promise<string> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  await once(socket, 'close')
  return Buffer.concat(chunks).toString('latin1')
}

test('bypass: static files, hits without the app, private answers kept apart, invalidation, purge, figures', async t => {
  const app = appCopy(t)
  const { f, call } = await instance(t, app, ['--metrics-address', '127.0.0.1:0'])

  // A static file, answered by the process with the core's headers; the app's handler never runs for it.
  const before = await calls(f)
  const css = await get(`${f.url}/css/site.css`)
  assert.equal(css.status, 200)
  assert.equal(css.body, 'body { color: #123456 }\n')
  assert.match(String(css.headers['content-type']), /text\/css/)
  assert.ok(css.headers.etag !== undefined && css.headers['last-modified'] !== undefined)
  assert.equal(await calls(f), before + 1, 'only /calls reached the app')
  // Nothing outside public/: not by ../ (in any spelling), not through a symlink that leads out.
  for (const target of ['/../secret.txt', '/css/../../secret.txt', '/%2e%2e/secret.txt', '/css/%2e%2e/%2e%2e/secret.txt', '/leak.txt']) {
    const answer = await raw(f.url, target)
    assert.doesNotMatch(answer, new RegExp(SECRET), target)
  }

  // A cacheable answer is stored; the next one is a hit that the app's handler never sees.
  const miss = body(await get(`${f.url}/cached`))
  const n = await calls(f)
  const hit = await get(`${f.url}/cached`)
  assert.equal(body(hit).serial, miss.serial, 'served from the cache')
  assert.ok(Number(hit.headers.age) >= 0, 'with an Age')
  assert.equal(await calls(f), n + 1, 'the hit did not run the app\'s handler (only /calls did)')
  // A body written in pieces is stored whole.
  const chunked = await get(`${f.url}/chunked`)
  assert.equal((await get(`${f.url}/chunked`)).body, chunked.body)
  assert.match(chunked.body, /^part one, part two \d+$/)

  // Authorization: never answered from the cache, never stored for others.
  const authed = body(await get(`${f.url}/cached`, { headers: { authorization: 'Bearer alice' } }))
  assert.notEqual(authed.serial, miss.serial, 'a credentialed request went to the app')
  assert.equal(authed.auth, 'Bearer alice')
  body(await get(`${f.url}/max-age`, { headers: { authorization: 'Bearer alice' } }))
  assert.equal(body(await get(`${f.url}/max-age`)).auth, null, 'an anonymous client never gets alice\'s answer')
  const anonymous = body(await get(`${f.url}/max-age`))
  assert.notEqual(body(await get(`${f.url}/max-age`, { headers: { authorization: 'Bearer alice' } })).serial, anonymous.serial, 'nor alice the anonymous one')
  // private, Set-Cookie, Vary: Cookie: one user's answer never reaches another.
  const alice = body(await get(`${f.url}/private`, { headers: { cookie: 'user=alice' } }))
  assert.equal(alice.user, 'alice')
  assert.equal(body(await get(`${f.url}/private`, { headers: { cookie: 'user=bob' } })).user, 'bob')
  assert.equal(body(await get(`${f.url}/private`)).user, 'anonymous')
  const cookie = await get(`${f.url}/set-cookie`, { headers: { cookie: 'user=alice' } })
  const other = await get(`${f.url}/set-cookie`, { headers: { cookie: 'user=bob' } })
  assert.notEqual(other.headers['set-cookie'], cookie.headers['set-cookie'])
  assert.equal(body(other).user, 'bob')
  body(await get(`${f.url}/vary-cookie`, { headers: { cookie: 'user=alice' } }))
  assert.equal(body(await get(`${f.url}/vary-cookie`, { headers: { cookie: 'user=bob' } })).user, 'bob')

  // An unsafe method invalidates what it changed.
  const post = await get(`${f.url}/cached`, { method: 'POST', body: 'x' })
  assert.equal(post.status, 200)
  const afterPost = body(await get(`${f.url}/cached`))
  assert.notEqual(afterPost.serial, miss.serial, 'the POST dropped the stored answer')
  assert.equal(body(await get(`${f.url}/cached`)).serial, afterPost.serial, 'and the new one is stored')

  // An operator's purge reaches the process's own cache, and says how many entries it dropped.
  const host = new URL(f.url).host
  const byUrl = await call('/cache/purge.json', { method: 'POST', account: 'admin', body: JSON.stringify({ url: `http://${host}/cached` }) })
  assert.equal((JSON.parse(byUrl.body) as { purged: number }).purged, 1, byUrl.body)
  const afterPurge = body(await get(`${f.url}/cached`))
  assert.notEqual(afterPurge.serial, afterPost.serial, 'the purged URL went to the app again')
  const all = await call('/cache/purge.json', { method: 'POST', account: 'admin', body: JSON.stringify({ all: true }) })
  assert.ok((JSON.parse(all.body) as { purged: number }).purged >= 2, all.body)
  assert.notEqual(body(await get(`${f.url}/cached`)).serial, afterPurge.serial, 'purge --all reached it too')

  // The process's figures reach /server.json (ferry status --show server) and the metrics, in their batches.
  await waitFor(async () => {
    const s = (JSON.parse((await call('/server.json')).body) as { thread1: { turbocaching: { hits: number, entries: number } } }).thread1
    return s.turbocaching.hits >= 3 && s.turbocaching.entries >= 1
  }, 5_000, 'the cache figures in /server.json')
  const server = (JSON.parse((await call('/server.json')).body) as { thread1: { turbocaching: Record<string, number> } }).thread1
  assert.ok(server.turbocaching.misses! > 0 && server.turbocaching.bytes! > 0 && server.turbocaching.store_successes! > 0, JSON.stringify(server.turbocaching))
  const metricsUrl = /metrics on (http:\/\/\S+)\/metrics/.exec(f.output())?.[1]
  const metrics = await (await request(`${metricsUrl}/metrics`)).body.text()
  assert.ok(Number(/^ferry_turbocache_hits_total (\d+)/m.exec(metrics)?.[1]) >= 3, metrics.split('\n').filter(l => l.startsWith('ferry_turbocache')).join('\n'))
})

test('bypass: restart.txt replaces the process, and the new version is served, not the cached old one', async t => {
  const app = appCopy(t)
  const { f } = await instance(t, app)
  const old = body(await get(`${f.url}/cached`))
  assert.equal(old.version, 'v1')
  assert.equal(body(await get(`${f.url}/cached`)).serial, old.serial, 'cached')
  writeFileSync(join(app, 'VERSION'), 'v2')
  const restart = join(app, 'tmp', 'restart.txt')
  writeFileSync(restart, '')
  utimesSync(restart, new Date(), new Date(Date.now() + 5000))
  await waitFor(async () => body(await get(`${f.url}/cached`)).version === 'v2', 15_000, 'the new version')
  const now = body(await get(`${f.url}/cached`))
  assert.notEqual(now.pid, old.pid)
  assert.equal(body(await get(`${f.url}/cached`)).serial, now.serial, 'the new version is cached in its turn')
})

/** One GET on a connection of its own, so that either process may accept it (a kept one stays with its process). */
function onNewConnection (url: string, method = 'GET'): Promise<Body> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, agent: false }, res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => { text += d })
      res.on('end', () => { try { resolve(JSON.parse(text) as Body) } catch (err) { reject(err) } })
    })
    req.on('error', reject)
    req.end()
  })
}

/** Two processes, each with its own stored answer for /cached: pid → the serial it stored. */
async function storedByBoth (t: TestContext): Promise<{ f: RunningFerry, stored: Map<number, number> }> {
  const f = await startFerry(t, appCopy(t), ['--bypass', '--min-instances', '2', '--max-pool-size', '2'])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two processes')
  // The same body twice from one process is its cache's.
  const stored = new Map<number, number>()
  const seen = new Map<number, number>()
  await waitFor(async () => {
    const b = await onNewConnection(`${f.url}/cached`)
    if (seen.get(b.pid) === b.serial) stored.set(b.pid, b.serial)
    seen.set(b.pid, b.serial)
    return stored.size === 2
  }, 15_000, 'an answer stored by each process')
  return { f, stored }
}

/** Waits until neither process answers /cached with what it stored before. */
async function bothFresh (f: RunningFerry, stored: Map<number, number>, after: string): Promise<void> {
  const fresh = new Set<number>()
  await waitFor(async () => {
    const b = await onNewConnection(`${f.url}/cached`)
    if (b.serial !== stored.get(b.pid)) fresh.add(b.pid)
    return fresh.size === 2
  }, 10_000, `a fresh answer from both processes after ${after} (stored: ${JSON.stringify([...stored])})`)
}

test('bypass: a write answered by one process drops the stored answer from the other processes\' caches too', async t => {
  const { f, stored } = await storedByBoth(t)
  const writer = (await onNewConnection(`${f.url}/cached`, 'POST')).pid
  await bothFresh(f, stored, `process ${writer} answered the write`)
})

test('bypass: a write whose invalidation is too big to pass on still reaches the other process (as a drop of everything)', async t => {
  const { f, stored } = await storedByBoth(t)
  // Two writes on one connection, so one process answers both within one batch: a redirect to a 70 KB URL, whose
  // key is longer than the core passes on, and a write to /cached.
  const host = new URL(f.url).host
  const answers = await rawExchange(f.url, [
    `POST /long-location?n=70000 HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\n\r\n` +
    `POST /cached HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`
  ])
  assert.match(answers, /^HTTP\/1\.1 303 /)
  assert.match(answers, /HTTP\/1\.1 200 OK/)
  await bothFresh(f, stored, 'the two writes')
})
